/**
 * The registry of Docker-aware condition families: validation, evaluation, `explain` and the
 * decision record loop over it. Adding a family is one reader in src/dockerd/, one file here and
 * one decision-table file in test/cases/.
 */
import { RequestTooLarge } from '../../dockerd/limits.js'
import type { PreparedRequest } from '../../dockerd/request.js'
import { container } from './container.js'
import { familyFacts, familyReads } from './family.js'
import type { ConditionFamily } from './family.js'
import { network } from './network.js'
import { outbound } from './outbound.js'
import { volume } from './volume.js'

export const FAMILIES: readonly ConditionFamily<any, any>[] = [container, volume, network, outbound] // eslint-disable-line @typescript-eslint/no-explicit-any

export { familyFacts, familyHolds, familyReads } from './family.js'
export type { ConditionFamily, FamilyCondition, Why } from './family.js'
export { namesToResolve } from './outbound.js'

/**
 * Every fact a family read from this request, keyed by family (`{container: {...}, outbound:
 * [...]}`), for `eval --explain` and the decision record; `{evidence: …}` for a family that had
 * none; null when no family reads the request's endpoint. A request too large to read says so.
 */
export function requestFacts(req: PreparedRequest): Record<string, unknown> | null {
  const out: Record<string, unknown> = {}
  let any = false
  for (const family of FAMILIES) {
    if (!familyReads(family, req)) continue
    any = true
    try {
      out[family.key] = familyFacts(family, req) ?? { evidence: `none: ${family.noEvidence(req)}` }
    } catch (e) {
      if (!(e instanceof RequestTooLarge)) throw e
      return { evidence: `none: ${e.message}` }
    }
  }
  return any ? out : null
}
