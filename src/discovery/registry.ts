/**
 * moby's `LocalRegistry`: finding one plugin by name (`resolve`, moby `Plugin`) and listing the
 * names present (`scan`, moby `Scan`), over a socket directory and spec directories.
 */
import { readFileSync, type Dirent } from 'node:fs'
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { DEFAULT_SOCKET_DIR, defaultSpecDirs, type Env } from './dirs.js'
import { checkPluginName, PluginNotFoundError } from './errors.js'
import { pathErrorText } from '../go/text.js'
import { readJsonSpecFile, readSpecFile, socketSpec, type PluginSpec } from './spec-file.js'

export interface LocalRegistryOptions {
  /** Default `/run/docker/plugins`. */
  socketDir?: string
  /** Replace the defaults (see `defaultSpecDirs`) when given. */
  specDirs?: string[]
  /** Chooses the default spec directories (rootless or not); default `process.env`. */
  env?: Env
  /** moby `userns.RunningInUserNS`, consulted when a spec directory is unreadable. */
  inUserNS?: () => boolean
}

export class ScanError extends Error {
  override name = 'ScanError'
}

/** moby `userns.RunningInUserNS`: the uid map is not the identity map of the whole range. */
export function runningInUserNS(): boolean {
  try {
    const fields = readFileSync('/proc/self/uid_map', 'utf8').trim().split(/\s+/)
    return !(fields.length === 3 && fields[0] === '0' && fields[1] === '0' && fields[2] === '4294967295')
  } catch {
    return false
  }
}

/** Go's `filepath.Ext`: from the last dot of the name, or "". */
function goExt(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot < 0 ? '' : name.slice(dot)
}

function trimExt(name: string): string {
  return name.slice(0, name.length - goExt(name).length)
}

/** Go's `os.ReadDir`: entries sorted by name, byte-wise (not Node's directory order). */
async function readDirSorted(dir: string): Promise<Dirent[]> {
  const entries = await readdir(dir, { withFileTypes: true })
  return entries.sort((a, b) => Buffer.compare(Buffer.from(a.name), Buffer.from(b.name)))
}

function readDirError(dir: string, err: unknown): ScanError {
  // Go opens the directory first; a non-directory fails later, in readdirent.
  const op = (err as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'readdirent' : 'open'
  return new ScanError(`error reading dir entries: ${pathErrorText(op, dir, err)}`)
}

const errCode = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code

async function statOrNull(path: string) {
  return stat(path).catch(() => null)
}

export class LocalRegistry {
  readonly socketDir: string
  readonly specDirs: readonly string[]
  private readonly inUserNS: () => boolean

  constructor(options: LocalRegistryOptions = {}) {
    this.socketDir = options.socketDir ?? DEFAULT_SOCKET_DIR
    this.specDirs = [...(options.specDirs ?? defaultSpecDirs(options.env))]
    this.inUserNS = options.inUserNS ?? runningInUserNS
  }

  /**
   * moby `LocalRegistry.Plugin`. Probe order: `S/NAME.sock`, `S/NAME/NAME.sock` (must stat, through
   * symlinks, as a socket), then per spec dir `NAME.spec`, `NAME/NAME.spec`, `NAME.json`,
   * `NAME/NAME.json` (any file type that stats). The first hit wins, with no fallback: a hit that
   * fails to read or parse is the answer (a directory named `NAME.spec` wins and fails with
   * `read …: is a directory`; a dangling symlink is no hit). Nothing found: `PluginNotFoundError`.
   */
  async resolve(name: string): Promise<PluginSpec> {
    checkPluginName(name, { allowEmpty: true })
    for (const path of [join(this.socketDir, `${name}.sock`), join(this.socketDir, name, `${name}.sock`)]) {
      if ((await statOrNull(path))?.isSocket()) return socketSpec(name, path)
    }
    for (const dir of this.specDirs) {
      for (const ext of ['.spec', '.json']) {
        for (const path of [join(dir, name + ext), join(dir, name, name + ext)]) {
          if ((await statOrNull(path)) === null) continue
          return ext === '.json' ? readJsonSpecFile(name, path) : readSpecFile(name, path)
        }
      }
    }
    throw new PluginNotFoundError(name)
  }

  /**
   * moby `LocalRegistry.Scan`: names in directory order (sorted), socket dir first, then each spec
   * dir; no de-duplication (a name present as a socket and a spec is listed twice). Observable quirks:
   * - socket dir: only entries whose own type is socket count (a symlink to a socket does not,
   *   although `resolve` follows it); the name is the file name minus ANY last extension
   *   (`bar` → `bar`, `a.b.sock` → `a.b`, `.sock` → ""), so scan lists names `resolve` cannot find;
   * - socket dir: a directory `X` counts when `X/X.sock` stats as a socket (through symlinks);
   * - spec dir: a directory `X` is replaced by its first entry (sorted) whose name minus extension
   *   is `X`, so `X/X` (no extension) hides `X/X.json`, and `X/X.json` wins over `X/X.spec`; a
   *   directory without such an entry stays itself, so a directory named `foo.spec` counts as `foo`;
   * - spec dir: any entry type with extension `.spec`/`.json` counts (dangling symlinks included);
   * - a missing directory is skipped; an unreadable spec dir is skipped only in a user namespace;
   *   any other error ends the scan.
   */
  async scan(): Promise<string[]> {
    const names: string[] = []
    let socketEntries: Dirent[] = []
    try {
      socketEntries = await readDirSorted(this.socketDir)
    } catch (err) {
      if (errCode(err) !== 'ENOENT') throw readDirError(this.socketDir, err)
    }
    for (const entry of socketEntries) {
      let fileName = entry.name
      let isSocket = entry.isSocket()
      if (entry.isDirectory()) {
        fileName = `${entry.name}.sock`
        const info = await statOrNull(join(this.socketDir, entry.name, fileName))
        if (info === null) continue
        isSocket = info.isSocket()
      }
      if (isSocket) names.push(trimExt(fileName))
    }
    for (const dir of this.specDirs) names.push(...await this.scanSpecDir(dir))
    return names
  }

  private async scanSpecDir(dir: string): Promise<string[]> {
    let entries: Dirent[]
    try {
      entries = await readDirSorted(dir)
    } catch (err) {
      if (errCode(err) === 'ENOENT') return []
      if ((errCode(err) === 'EACCES' || errCode(err) === 'EPERM') && this.inUserNS()) return []
      throw readDirError(dir, err)
    }
    const names: string[] = []
    for (const entry of entries) {
      let fileName = entry.name
      if (entry.isDirectory()) {
        const inner = await readDirSorted(join(dir, entry.name)).catch(() => null)
        if (inner === null) continue
        fileName = inner.find((candidate) => trimExt(candidate.name) === entry.name)?.name ?? fileName
      }
      const ext = goExt(fileName)
      if (ext === '.spec' || ext === '.json') names.push(fileName.slice(0, -ext.length))
    }
    return names
  }
}
