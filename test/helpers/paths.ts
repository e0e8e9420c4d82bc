import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { mkdir, mkdtemp, rm, rmdir } from 'node:fs/promises'

/** The repository root (tests run from dist/test/…). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

export function repoPath(...parts: string[]): string {
  return path.join(ROOT, ...parts)
}

/**
 * Where tests put host paths that must be bindable under the shipped policies: a top-level
 * directory outside every one they protect (they protect the FHS directories, /tmp included, so
 * os.tmpdir() will not do). Creating it needs root, as the end-to-end suite does.
 */
export const BINDABLE_ROOT = '/portcullis-test'

/** A fresh directory under BINDABLE_ROOT; remove it with removeBindableDir. */
export async function bindableDir(prefix = 'd-'): Promise<string> {
  await mkdir(BINDABLE_ROOT, { recursive: true, mode: 0o755 }).catch((e: NodeJS.ErrnoException) => {
    throw new Error(`tests need ${BINDABLE_ROOT} (a directory the shipped policies let containers bind): ${e.code}; run the tests as root`)
  })
  return mkdtemp(path.join(BINDABLE_ROOT, prefix))
}

/** Removes a directory made by bindableDir, and BINDABLE_ROOT when it is then empty. */
export async function removeBindableDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
  await rmdir(BINDABLE_ROOT).catch(() => undefined)
}
