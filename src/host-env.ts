/** The engine's view of the host it runs on: real paths, so that a bind of a symlink to `/` is caught. */
import { realpathSync } from 'node:fs'
import type { EvalEnv } from './policy/index.js'

export const hostEnv: EvalEnv = {
  realpath: (p) => {
    try {
      return realpathSync(p)
    } catch {
      return undefined
    }
  },
}
