/** The engine's view of the host it runs on: real paths, so that a bind of a symlink to `/` is caught. */
import { realpathSync } from 'node:fs'
import type { EvalEnv } from './policy/index.js'

export const hostEnv: EvalEnv = {
  realpath: (p) => {
    try {
      // The native call resolves `..` after a symlink physically, as the kernel does when it
      // mounts: `/data/link-to-etc/..` is `/`, where the JS implementation would say `/data`.
      return realpathSync.native(p)
    } catch {
      return undefined
    }
  },
}
