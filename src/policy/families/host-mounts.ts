/** `host_mounts`, shared by the container and volume families. */
import { hostPathCandidates } from '../../dockerd/readers/index.js'
import type { CheckedGlob } from '../checked.js'
import type { EvalEnv } from '../types.js'
import { anyGlob, quantifier } from './family.js'

/**
 * `host_mounts` over the mounted host paths. A bind exposes its whole subtree, so for a deny
 * (lenient) a mount also matches when it is an ancestor of what a glob protects (`/var` exposes
 * `/var/lib/docker/**`); for an allow every mount, as written and as resolved, must match.
 */
export function mountsHold(globs: readonly CheckedGlob[], mounts: readonly string[], lenient: boolean, env: EvalEnv): boolean {
  const some = quantifier(lenient)
  const matches = (p: string): boolean => anyGlob(globs, p) || (lenient && globs.some((g) => isAncestor(p, literalPrefix(g.effective ?? g.glob))))
  return some(mounts, (m) => some(hostCandidates(m, env), matches))
}

/** A host path as written (cleaned) and, where it exists on this host, as the kernel resolves it. */
export function hostCandidates(path: string, env: EvalEnv): string[] {
  return env.realpath ? hostPathCandidates(path, env.realpath) : [path]
}

/** The literal directory a path glob starts with: `/var/lib/docker/**` → `/var/lib/docker`. */
function literalPrefix(glob: string): string {
  const segments = glob.split('/')
  const literal: string[] = []
  for (const seg of segments.slice(1)) {
    if (/[*?[\]{}()!+@\\]/.test(seg)) break
    literal.push(seg)
  }
  return `/${literal.join('/')}`
}

/** `/var` is an ancestor of `/var/lib/docker`; `/` of everything; a path is not its own ancestor. */
function isAncestor(dir: string, of: string): boolean {
  if (dir === of) return false
  return dir === '/' || of.startsWith(`${dir}/`)
}
