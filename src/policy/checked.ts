/**
 * Checked policy data: what validation produces and compilation assembles. Every glob is already
 * compiled here (validation compiles it to prove it is valid, so it is never compiled twice).
 */
import type { Matcher } from './globs.js'
import type { FamilyCondition } from './families/family.js'
import type { Effect, Phase, SourceRef } from './types.js'

export interface CheckedGlob {
  /** As written, for messages. */
  glob: string
  test: Matcher
  /** For host path globs: the glob with `{policies}` substituted, for reasoning about prefixes. */
  effective?: string
}

export type BodyExpectation =
  | { kind: 'values'; values: Array<string | number | boolean>; strings: CheckedGlob[] }
  | { kind: 'exists'; exists: boolean }

export interface BodyCondition {
  /** As written, for explanations. */
  key: string
  /** Segments for the body reader; a map-typed field's key is one segment, dots and all. */
  segments: string[]
  expect: BodyExpectation
}

export interface CheckedConditions {
  users?: CheckedGlob[]
  groups?: string[]
  anonymous?: boolean
  /** Upper-case; undefined or containing '*' = any. */
  methods?: string[]
  paths?: CheckedGlob[]
  query?: Array<{ name: string; values: CheckedGlob[] }>
  body?: BodyCondition[]
  status?: number[]
  /** Docker-aware conditions (families/), in registry order. */
  families?: FamilyCondition[]
}

export interface CheckedRule {
  id: string
  description?: string
  effect: Effect
  phase: Phase
  match?: CheckedConditions
  unless?: CheckedConditions
  message?: string
  source: SourceRef & { column: number }
}

export interface CheckedSettings {
  default: Effect
  defaultMessage: string
  source: SourceRef & { column: number }
}

export interface CheckedGroup {
  name: string
  users: CheckedGlob[]
  source: SourceRef & { column: number }
}

/** A group name as a rule refers to it, with where, for "used but never defined". */
export interface GroupReference {
  name: string
  source: SourceRef & { column: number }
}

export interface CheckedFile {
  name: string
  settings?: CheckedSettings
  groups: CheckedGroup[]
  rules: CheckedRule[]
  groupReferences: GroupReference[]
  /** Every valid rule id and group name written, also of rules and groups with other errors, so
   * that duplicates are reported in the same run. */
  ruleIds: Array<{ id: string; source: SourceRef & { column: number } }>
  groupNames: Array<{ name: string; source: SourceRef & { column: number } }>
}
