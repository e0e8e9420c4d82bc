import { fileURLToPath } from 'node:url'
import path from 'node:path'

/** The repository root (tests run from dist/test/…). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

export function repoPath(...parts: string[]): string {
  return path.join(ROOT, ...parts)
}
