/**
 * Checked files → one compiled policy set: rules in set order, groups resolved to user matchers,
 * and per-phase indexes so that a request looks only at rules that can apply to its method and
 * the first segment of its path.
 */
import type { CheckedConditions, CheckedFile, CheckedRule } from './checked.js'
import { literalFirstSegment } from './globs.js'
import type { Matcher } from './globs.js'
import type { Effect, Phase, PolicySourceFile, SourceRef } from './types.js'
import { DEFAULT_MESSAGE } from './validate.js'
import type { ValidateOptions } from './validate.js'

export interface CompiledRule extends CheckedRule {
  /** Position in set order. */
  order: number
  /** Group name → membership test, for this rule's `groups` keys. */
  groupMatchers: Map<string, Matcher>
}

export interface CompiledSettings {
  default: Effect
  defaultMessage: string
  source: SourceRef | null
}

export interface CompiledPolicySet {
  revision: string
  /** What it was compiled from, so that another thread can compile the same revision. */
  sources: PolicySourceFile[]
  validateOptions: ValidateOptions
  /** Policy file names in set order. */
  files: string[]
  settings: CompiledSettings
  rules: CompiledRule[]
  index: Record<Phase, RuleIndex>
}

export function compilePolicySet(files: CheckedFile[], revision: string, sources: PolicySourceFile[], validateOptions: ValidateOptions): CompiledPolicySet {
  const groupUsers = new Map<string, Matcher[]>()
  for (const f of files) for (const g of f.groups) if (!groupUsers.has(g.name)) groupUsers.set(g.name, g.users.map((u) => u.test))
  const membership = (name: string): Matcher => {
    const users = groupUsers.get(name) ?? []
    return (user) => users.some((test) => test(user))
  }

  const rules: CompiledRule[] = []
  for (const f of files) {
    for (const r of f.rules) {
      const groupMatchers = new Map<string, Matcher>()
      for (const name of [...(r.match?.groups ?? []), ...(r.unless?.groups ?? [])]) groupMatchers.set(name, membership(name))
      rules.push({ ...r, order: rules.length, groupMatchers })
    }
  }
  const settingsFile = files.find((f) => f.settings)?.settings
  return {
    revision,
    sources,
    validateOptions,
    files: files.map((f) => f.name),
    settings: settingsFile
      ? { default: settingsFile.default, defaultMessage: settingsFile.defaultMessage, source: { file: settingsFile.source.file, line: settingsFile.source.line } }
      : { default: 'deny', defaultMessage: DEFAULT_MESSAGE, source: null },
    rules,
    index: {
      request: new RuleIndex(rules.filter((r) => r.phase === 'request')),
      response: new RuleIndex(rules.filter((r) => r.phase === 'response')),
    },
  }
}

const ANY = '\u0000any'

/**
 * Candidate rules by (method, first path segment). A rule is filed under each method it names
 * (or ANY) and under the literal first segment of each path glob (or ANY when a glob starts with
 * magic or the rule has no paths). Lookups are cached per key; unknown methods and segments
 * share the ANY list, so the cache cannot grow with what clients send.
 */
export class RuleIndex {
  private readonly methods = new Set<string>()
  private readonly segments = new Set<string>()
  private readonly cache = new Map<string, CompiledRule[]>()
  private readonly keys: Array<{ methods: Set<string>; segments: Set<string> }>

  constructor(readonly rules: CompiledRule[]) {
    this.keys = rules.map((r) => {
      const m = methodKeys(r.match)
      const s = segmentKeys(r.match)
      for (const k of m) if (k !== ANY) this.methods.add(k)
      for (const k of s) if (k !== ANY) this.segments.add(k)
      return { methods: m, segments: s }
    })
  }

  candidates(method: string, path: string): CompiledRule[] {
    const m = this.methods.has(method) ? method : ANY
    const first = path.split('/', 2)[1] ?? ''
    const s = this.segments.has(first) ? first : ANY
    const key = `${m} ${s}`
    let list = this.cache.get(key)
    if (!list) {
      list = this.rules.filter((_, i) => {
        const k = this.keys[i] as { methods: Set<string>; segments: Set<string> }
        return (k.methods.has(ANY) || k.methods.has(m)) && (k.segments.has(ANY) || k.segments.has(s))
      })
      this.cache.set(key, list)
    }
    return list
  }
}

function methodKeys(match: CheckedConditions | undefined): Set<string> {
  if (!match?.methods || match.methods.includes('*')) return new Set([ANY])
  return new Set(match.methods)
}

function segmentKeys(match: CheckedConditions | undefined): Set<string> {
  if (!match?.paths) return new Set([ANY])
  const out = new Set<string>()
  for (const p of match.paths) out.add(literalFirstSegment(p.glob) ?? ANY)
  return out
}
