/**
 * What one plugin file says: the address (and TLS settings) of a socket, a `.spec` file or a
 * `.json` file, read the way moby's `readPluginInfo` / `readPluginJSONInfo` read them.
 */
import { readFile } from 'node:fs/promises'
import { PluginSpecError } from './errors.js'
import { decodeFirstValue, decodeStruct, GoJSONError, type GoStruct } from './go-json.js'
import { pathErrorText } from '../go/text.js'
import { GoURLError, parseGoURL } from '../go/url.js'

/** go-connections `tlsconfig.Options`, as a `.json` spec file spells it. */
export interface TLSOptions {
  CAFile: string
  CertFile: string
  KeyFile: string
  InsecureSkipVerify: boolean
  /** Server-side only; decoded and ignored, as by moby. */
  ClientAuth: number
  ExclusiveRootPools: boolean
  /** A `tls.VersionTLS1x` number (0x0303 = TLS 1.2); 0 = the default. */
  MinVersion: number
}

export type PluginSourceKind = 'socket' | 'spec' | 'json'

/** A plugin as found on disk, before activation. */
export interface PluginSpec {
  /** Always the name looked up (a `.json` file's `Name` key is ignored). */
  name: string
  /** As written: `unix://<path>` for sockets, the trimmed `.spec` content, the `.json` `Addr`. */
  addr: string
  /** `null` = Go's nil: HTTPS verified against the default roots. */
  tlsConfig: TLSOptions | null
  kind: PluginSourceKind
  /** The socket or spec file that matched. */
  path: string
}

/** moby `NewLocalPlugin` sets this for sockets and `.spec` files ("TODO: change to nil"). */
export const SKIP_VERIFY: Readonly<TLSOptions> = Object.freeze({
  CAFile: '', CertFile: '', KeyFile: '', InsecureSkipVerify: true, ClientAuth: 0, ExclusiveRootPools: false, MinVersion: 0,
})

export function socketSpec(name: string, socketPath: string): PluginSpec {
  return { name, addr: 'unix://' + socketPath, tlsConfig: { ...SKIP_VERIFY }, kind: 'socket', path: socketPath }
}

/** Go's `strings.TrimSpace`: Unicode White_Space, which (unlike JS `trim`) excludes the BOM. */
function goTrimSpace(s: string): string {
  const space = '[\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]'
  return s.replace(new RegExp(`^${space}+|${space}+$`, 'g'), '')
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    // Go's os.ReadFile: `open` fails for missing/forbidden files, `read` for directories.
    const op = (err as NodeJS.ErrnoException).code === 'EISDIR' ? 'read' : 'open'
    throw new PluginSpecError(path, pathErrorText(op, path, err))
  }
}

/**
 * Checks a `.spec` address as moby does: Go `url.Parse` must accept it and find a scheme. Any
 * scheme passes here (`localhost:8080` parses as scheme `localhost`); the client decides later.
 */
export function checkSpecAddress(addr: string, path: string): void {
  let scheme: string
  try {
    scheme = parseGoURL(addr).scheme
  } catch (err) {
    if (err instanceof GoURLError) throw new PluginSpecError(path, err.message)
    throw err
  }
  if (scheme === '') throw new PluginSpecError(path, 'Unknown protocol')
}

/** A `.spec` file: one URL, whitespace-trimmed (Go's definition: a leading BOM stays and breaks it). */
export async function readSpecFile(name: string, path: string): Promise<PluginSpec> {
  const addr = goTrimSpace(await readText(path))
  checkSpecAddress(addr, path)
  return { name, addr, tlsConfig: { ...SKIP_VERIFY }, kind: 'spec', path }
}

const TLS_OPTIONS_TYPE: GoStruct = {
  goName: 'Options',
  fields: {
    CAFile: 'string', CertFile: 'string', KeyFile: 'string', InsecureSkipVerify: 'bool',
    ClientAuth: 'int', ExclusiveRootPools: 'bool', MinVersion: 'uint16',
  },
}

const PLUGIN_TYPE: GoStruct = { goName: 'Plugin', fields: { Addr: 'string', TLSConfig: TLS_OPTIONS_TYPE } }

/**
 * A `.json` file: the first JSON value (Go's `Decoder`: trailing bytes ignored), keys matched
 * case-insensitively. `Addr` is not validated. A `TLSConfig` without `CAFile` forces
 * `InsecureSkipVerify`; no `TLSConfig` at all means verified HTTPS.
 */
export async function readJsonSpecFile(name: string, path: string): Promise<PluginSpec> {
  const text = await readText(path)
  let fields: Record<string, unknown>
  try {
    fields = decodeStruct(decodeFirstValue(text), PLUGIN_TYPE, 'plugins.Plugin')
  } catch (err) {
    if (err instanceof GoJSONError || err instanceof SyntaxError) throw new PluginSpecError(path, err.message)
    throw err
  }
  const tls = fields.TLSConfig as Partial<TLSOptions> | undefined
  let tlsConfig: TLSOptions | null = null
  if (tls !== undefined) {
    tlsConfig = { ...SKIP_VERIFY, InsecureSkipVerify: false, ...tls }
    if (tlsConfig.CAFile === '') tlsConfig.InsecureSkipVerify = true
  }
  return { name, addr: (fields.Addr as string | undefined) ?? '', tlsConfig, kind: 'json', path }
}
