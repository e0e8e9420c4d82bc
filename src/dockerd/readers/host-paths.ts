/** Host paths as dockerd and the kernel see them. */
import { cleanPath } from '../../go/path.js'

/** A host path made absolute against `/` (dockerd's working directory under systemd), cleaned. */
export function absoluteHostPath(path: string): string {
  return cleanPath(path.startsWith('/') ? path : `/${path}`)
}

/**
 * Host paths a path given to the kernel unchanged (not cleaned by dockerd first) is reported as:
 * the cleaned path and, when the raw path has a `..` segment, the path with only `//` and `.`
 * removed (`..` kept) too — the kernel
 * resolves `..` after following symlinks (`/data/link/..` is the link target's parent), which
 * `hostPathCandidates` can only see on the raw spelling.
 */
export function kernelHostPaths(path: string): string[] {
  const parts = path.split('/').filter((p) => p !== '' && p !== '.')
  const cleaned = absoluteHostPath(path)
  return parts.includes('..') ? [cleaned, `/${parts.join('/')}`] : [cleaned]
}

/**
 * The paths a host path is matched as: the path cleaned and, where the path or its longest
 * existing prefix exists, its real path (realpath of that prefix + the rest, cleaned). The
 * prefix is taken on the path as given, so `..` after a symlink is resolved as the kernel does.
 * `realpath` returns undefined for a path that does not exist; it must resolve `..` physically,
 * like realpath(3) (`fs.realpathSync.native`) — Node's `fs.realpathSync` resolves `..` lexically first.
 */
export function hostPathCandidates(path: string, realpath: (p: string) => string | undefined): string[] {
  const cleaned = absoluteHostPath(path)
  // Longer than PATH_MAX: the kernel mounts no such path; do not spend system calls on it.
  if (path.length > PATH_MAX) return [cleaned]
  const parts = (path.startsWith('/') ? path : `/${path}`).split('/').filter((p) => p !== '' && p !== '.')
  const prefix = (k: number): string => `/${parts.slice(0, k).join('/')}`
  // Existence is monotonic along the prefixes (a prefix resolves only if every shorter one
  // does), so the longest existing one is found by binary search: O(log n) realpath calls, where
  // walking back from the full path was quadratic in the number of segments.
  let lo = 0 // `/` always exists
  let hi = parts.length
  let real = realpath('/')
  const full = realpath(prefix(hi))
  if (full !== undefined) {
    lo = hi
    real = full
  } else {
    while (lo + 1 < hi) {
      const mid = (lo + hi) >> 1
      const r = realpath(prefix(mid))
      if (r === undefined) hi = mid
      else {
        lo = mid
        real = r
      }
    }
  }
  const out = [cleaned]
  if (real !== undefined) {
    const resolved = cleanPath([real, ...parts.slice(lo)].join('/'))
    if (!out.includes(resolved)) out.push(resolved)
  }
  return out
}

/** Linux PATH_MAX. */
const PATH_MAX = 4096
