/**
 * Docker-aware condition families (`container`, `volume`, `network`, `outbound`, …): each is one
 * file that declares its keys, the endpoints it holds on (names from src/dockerd/routes.ts), how
 * it is validated, the facts it reads and how it holds. Validation, evaluation, `explain` and the
 * decision record loop over the registry (index.ts); nothing else names a family.
 *
 * What every family shares, written once here:
 *   - a family holds only on its endpoints (and where `applies` says so), never elsewhere;
 *   - facts are read once per request (memoised), and "no facts" is absence of evidence: the
 *     family holds in the lenient reading (a deny rule's `match`, an allow rule's `unless`) and
 *     not in the strict one.
 */
import type { PreparedRequest } from '../../dockerd/request.js'
import { tracker } from '../checker.js'
import type { FileChecker, Mapping, Tracker } from '../checker.js'
import type { CheckedGlob } from '../checked.js'
import type { EvalEnv } from '../types.js'

/** Collects why a condition did not hold, for `eval --explain`; absent on the fast path. */
export type Why = string[] | undefined

export interface HoldContext {
  req: PreparedRequest
  /** How missing evidence and several readings count (conditions.ts). */
  lenient: boolean
  env: EvalEnv
  why: Why
}

export interface ConditionFamily<C = unknown, F = unknown> {
  /** Its key in `match` and `unless`. */
  readonly key: string
  /** The keys it takes, in the order the docs list them. */
  readonly keys: readonly string[]
  /** For "needs at least one condition (…)". */
  readonly emptyHint: string
  /** The routes it reads (src/dockerd/routes.ts endpoint names). */
  readonly endpoints: readonly string[]
  /** Where it holds, for messages. */
  readonly where: string
  /** Checks the keys of its mapping (unknown keys and emptiness are checked for it). */
  check(c: FileChecker, path: string, m: Mapping, t: Tracker): C
  /** Whether a request on one of its routes is one it reads; the reason when it is not. */
  skip?(req: PreparedRequest): string | undefined
  /** Keys that have no meaning on this request never hold, with or without evidence: the reason. */
  meaningless?(condition: C, req: PreparedRequest): string | undefined
  /** The facts of a request it reads; undefined when the request carries no evidence. */
  read(req: PreparedRequest): F | undefined
  /** Why there is no evidence, for `explain`. */
  noEvidence(req: PreparedRequest): string
  holds(condition: C, facts: F, ctx: HoldContext): boolean
}

/** A family's checked condition in a `match` or `unless`. */
export interface FamilyCondition {
  family: ConditionFamily
  condition: unknown
}

export function checkFamily(family: ConditionFamily, c: FileChecker, path: string, raw: unknown): FamilyCondition | undefined {
  const m = c.mapping(path, raw, family.key)
  if (!m) return undefined
  c.unknownKeys(path, m, [...family.keys], family.key)
  const own = tracker()
  const condition = family.check(c, path, m, own)
  if (Object.keys(m).length === 0) {
    c.at(path, 'value', 'E_POLICY_TYPE', `${family.key} needs at least one condition (${family.emptyHint})`)
    own.fail()
  }
  return own.ok ? { family, condition } : undefined
}

/** Whether the request is on one of the family's routes (and one it reads). */
export function familyReads(family: ConditionFamily, req: PreparedRequest): boolean {
  const route = req.route()
  return route !== undefined && family.endpoints.includes(route.route.endpoint) && family.skip?.(req) === undefined
}

/** The family's facts of this request, read once; undefined when there is no evidence. */
export function familyFacts<F>(family: ConditionFamily<unknown, F>, req: PreparedRequest): F | undefined {
  const key = `family:${family.key}`
  if (!req.memo.has(key)) req.memo.set(key, family.read(req))
  return req.memo.get(key) as F | undefined
}

export function familyHolds(fc: FamilyCondition, ctx: HoldContext): boolean {
  const { family } = fc
  const route = ctx.req.route()
  if (route === undefined || !family.endpoints.includes(route.route.endpoint)) return no(ctx.why, `${family.key} conditions hold only on ${family.where}`)
  const skipped = family.skip?.(ctx.req) ?? family.meaningless?.(fc.condition, ctx.req)
  if (skipped !== undefined) return no(ctx.why, skipped)
  const facts = familyFacts(family, ctx.req)
  if (facts === undefined) return ctx.lenient || no(ctx.why, family.noEvidence(ctx.req))
  return family.holds(fc.condition, facts, ctx)
}

export function no(why: Why, reason: string): false {
  why?.push(reason)
  return false
}

/**
 * How a list condition holds over the request's values: for a deny (lenient) when any value
 * matches; for an allow (strict) only when there are values and every one of them matches, so that
 * an allow-list of mounts or capabilities cannot carry an unlisted one along.
 */
export function quantifier(lenient: boolean): <T>(values: readonly T[], test: (v: T) => boolean) => boolean {
  return (values, test) => (lenient ? values.some(test) : values.length > 0 && values.every(test))
}

export function anyGlob(globs: readonly CheckedGlob[], subject: string): boolean {
  return globs.some((g) => g.test(subject))
}
