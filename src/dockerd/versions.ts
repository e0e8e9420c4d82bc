/** API versions as moby compares them (api/types/versions). */

/** Go moby `versions.LessThan`: dotted numeric compare, missing or non-numeric parts are 0. */
export function versionLess(a: string, b: string): boolean {
  const pa = a.split('.')
  const pb = b.split('.')
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = Number.parseInt(pa[i] ?? '0', 10) || 0
    const y = Number.parseInt(pb[i] ?? '0', 10) || 0
    if (x !== y) return x < y
  }
  return false
}
