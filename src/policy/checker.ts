/**
 * The validator's toolkit: typed readers of parsed YAML that report every problem with its
 * position, shared by validate.ts and the condition families.
 */
import { closest } from './did-you-mean.js'
import type { CheckedGlob } from './checked.js'
import type { PolicyError, PolicyErrorCode } from './errors.js'
import { compileFlatGlob, compilePathGlob, escapeGlob, GlobError } from './globs.js'
import type { Matcher } from './globs.js'
import type { ParsedYaml } from './parse-yaml.js'

export type Mapping = Record<string, unknown>

/** Common misspellings that edit distance alone would not suggest well. */
const ALIASES: Record<string, string> = { networks: 'network', destinations: 'outbound', log_remote: 'remote_logging', bodies: 'body', method: 'methods', path: 'paths', user: 'users', group: 'groups', rule: 'rules', capability: 'capabilities', mounts: 'host_mounts', binds: 'host_mounts', image: 'images', driver: 'drivers', namespaces: 'host_namespaces', security_opt: 'security_opts', device: 'devices' }

/** What validation needs to know about where the set comes from. */
export interface ValidateOptions {
  /** The policy directory's real path, substituted for `{policies}` in host_mounts globs. */
  policyDir?: string | undefined
}

export const POLICY_DIR_TOKEN = '{policies}'

export class FileChecker {
  readonly errors: PolicyError[] = []
  constructor(readonly name: string, readonly parsed: ParsedYaml, readonly options: ValidateOptions) {}

  at(path: string, which: 'key' | 'value', code: PolicyErrorCode, message: string): void {
    const pos = which === 'key' ? this.parsed.keyAt(path) : this.parsed.valueAt(path)
    this.errors.push({ code, file: this.name, line: pos.line, column: pos.column, message })
  }

  source(path: string, which: 'key' | 'value' = 'value'): { file: string; line: number; column: number } {
    const pos = which === 'key' ? this.parsed.keyAt(path) : this.parsed.valueAt(path)
    return { file: this.name, line: pos.line, column: pos.column }
  }

  /** A mapping, or undefined (with an error) when the value is something else. */
  mapping(path: string, value: unknown, what: string): Mapping | undefined {
    if (isMapping(value)) return value
    this.at(path, 'value', 'E_POLICY_TYPE', `${what} must be a mapping (key: value lines), not ${describe(value)}`)
    return undefined
  }

  unknownKeys(path: string, value: Mapping, known: string[], where: string): void {
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue
      const suggestion = ALIASES[key.toLowerCase()] ?? closest(key, known)
      const hint = suggestion && known.includes(suggestion) ? `; did you mean "${suggestion}"?` : `; known keys: ${known.join(', ')}`
      this.at(join(path, key), 'key', 'E_POLICY_UNKNOWN_KEY', `unknown key "${key}" in ${where}${hint}`)
    }
  }

  string(path: string, value: unknown, what: string): string | undefined {
    if (typeof value === 'string') return value
    this.at(path, 'value', 'E_POLICY_TYPE', `${what} must be a string, not ${describe(value)}`)
    return undefined
  }

  boolean(path: string, value: unknown, what: string): boolean | undefined {
    if (typeof value === 'boolean') return value
    this.at(path, 'value', 'E_POLICY_TYPE', `${what} must be true or false, not ${describe(value)}`)
    return undefined
  }

  /** A non-empty list; each element checked by `item`, which returns undefined after reporting. */
  list<T>(path: string, value: unknown, what: string, example: string, item: (p: string, v: unknown) => T | undefined): T[] | undefined {
    if (!Array.isArray(value)) {
      const hint = typeof value === 'string' || typeof value === 'number' ? `; write [${typeof value === 'string' ? JSON.stringify(value) : value}]` : `, e.g. ${example}`
      this.at(path, 'value', 'E_POLICY_TYPE', `${what} must be a list${hint}`)
      return undefined
    }
    if (value.length === 0) {
      this.at(path, 'value', 'E_POLICY_NEVER_MATCHES', `${what} is an empty list, which matches nothing; remove the key or list at least one value`)
      return undefined
    }
    const out: T[] = []
    let ok = true
    value.forEach((v, i) => {
      const r = item(`${path}[${i}]`, v)
      if (r === undefined) ok = false
      else out.push(r)
    })
    return ok ? out : undefined
  }

  glob(path: string, value: unknown, what: string, compile: (g: string) => Matcher): CheckedGlob | undefined {
    const glob = this.string(path, value, what)
    if (glob === undefined) return undefined
    try {
      return { glob, test: compile(glob) }
    } catch (e) {
      const reason = e instanceof GlobError ? e.message : String(e)
      this.at(path, 'value', 'E_POLICY_BAD_GLOB', `invalid glob ${JSON.stringify(glob)} in ${what}: ${reason}`)
      return undefined
    }
  }

  flatGlobs(path: string, value: unknown, what: string, example: string, opts: { nocase?: boolean } = {}): CheckedGlob[] | undefined {
    return this.list(path, value, what, example, (p, v) => this.glob(p, v, what, (g) => compileFlatGlob(g, opts)))
  }

  pathGlobs(path: string, value: unknown, what: string, example: string): CheckedGlob[] | undefined {
    return this.list(path, value, what, example, (p, v) => this.glob(p, v, what, compilePathGlob))
  }

  /** Path globs on host paths; `{policies}` stands for the policy directory's real path. */
  hostMountGlobs(path: string, value: unknown): CheckedGlob[] | undefined {
    return this.list(path, value, 'host_mounts', '["/", "/etc/**"]', (p, v) => {
      const written = this.string(p, v, 'host_mounts')
      if (written === undefined) return undefined
      let glob = written
      if (written.includes(POLICY_DIR_TOKEN)) {
        if (this.options.policyDir === undefined) {
          this.at(p, 'value', 'E_POLICY_BAD_GLOB', `${POLICY_DIR_TOKEN} stands for the policy directory, which is not known here`)
          return undefined
        }
        const dir = this.options.policyDir === '/' ? '' : escapeGlob(this.options.policyDir)
        glob = written.replaceAll(POLICY_DIR_TOKEN, dir)
      }
      const checked = this.glob(p, glob, 'host_mounts', compilePathGlob)
      const effective = written.replaceAll(POLICY_DIR_TOKEN, this.options.policyDir === '/' ? '' : this.options.policyDir ?? '')
      return checked && { glob: written, test: checked.test, effective }
    })
  }
}

/** Whether every check of a section passed; `track` marks a failed check by its undefined result. */
export interface Tracker {
  track: <T>(v: T | undefined) => T | undefined
  fail: () => void
  readonly ok: boolean
}

export function tracker(): Tracker {
  let ok = true
  return {
    track: (v) => {
      if (v === undefined) ok = false
      return v
    },
    fail: () => { ok = false },
    get ok() { return ok },
  }
}

export function isMapping(v: unknown): v is Mapping {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  return `${typeof v} ${JSON.stringify(v)}`
}

export function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}
