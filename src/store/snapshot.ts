/**
 * The last-good snapshot (`serve --state-dir`): the files of the last valid revision, saved after
 * every successful load, so that a server restarted while its directory is broken can still serve
 * the last policy that was good instead of refusing to start (which would leave dockerd failing
 * closed on every call) or, worse, serving nothing.
 */
import { mkdir, readFile, realpath, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { compileSources } from '../policy/index.js'
import type { CompiledPolicySet, PolicySourceFile } from '../policy/index.js'

interface Snapshot {
  version: 1
  revision: string
  savedAt: string
  policyDir: string
  files: PolicySourceFile[]
}

const FILE = 'last-good.json'

export async function writeSnapshot(stateDir: string, policyDir: string, revision: string, files: PolicySourceFile[]): Promise<void> {
  await mkdir(stateDir, { recursive: true, mode: 0o700 })
  const resolved = await realpath(policyDir).catch(() => path.resolve(policyDir))
  const snapshot: Snapshot = { version: 1, revision, savedAt: new Date().toISOString(), policyDir: resolved, files }
  const temp = path.join(stateDir, `.${FILE}.${process.pid}.tmp`)
  await writeFile(temp, JSON.stringify(snapshot), { mode: 0o600 })
  await rename(temp, path.join(stateDir, FILE))
}

/** The snapshot compiled, or undefined when there is none (or it is unreadable or invalid). */
export async function readSnapshot(stateDir: string, policyDir: string): Promise<(CompiledPolicySet & { savedAt?: string }) | undefined> {
  let snapshot: Snapshot
  try {
    snapshot = JSON.parse(await readFile(path.join(stateDir, FILE), 'utf8')) as Snapshot
  } catch {
    return undefined
  }
  if (snapshot.version !== 1 || !Array.isArray(snapshot.files)) return undefined
  const dir = await realpath(policyDir).catch(() => snapshot.policyDir)
  const compiled = compileSources(snapshot.files, snapshot.revision, { policyDir: dir })
  return compiled.ok ? Object.assign(compiled.set, { savedAt: snapshot.savedAt }) : undefined
}
