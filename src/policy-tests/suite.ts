/**
 * Policy test suites (`*.test.yaml`, policy-language.md §7): the same runner backs
 * `portcullis test` and the project's own decision tables.
 */
import { decodeAuthZObject } from '../protocol/decode.js'
import { toRequestInput } from '../protocol/to-request-input.js'
import { closest, decide, isSyntaxError, namesToResolve, parseYaml } from '../policy/index.js'
import { prepareRequest } from '../dockerd/request.js'
import type { CompiledPolicySet, Decision, EvalEnv, Phase, PolicyError, PolicySourceFile, RequestInput } from '../policy/index.js'

export interface PolicyTest {
  file: string
  line: number
  name: string
  phase: Phase
  input: RequestInput
  /** Host names and the addresses they resolve to in this test (§16 outbound); other names are resolved live, or not at all. */
  resolve?: ReadonlyMap<string, readonly string[]>
  expected: { allow: boolean; rule?: string | null; message?: string }
}

export interface TestResult {
  file: string
  name: string
  pass: boolean
  expected: PolicyTest['expected']
  actual: { allow: boolean; rule: string | null; message: string }
}

const TEST_KEYS = ['name', 'request', 'payload', 'phase', 'expect']
const REQUEST_KEYS = ['user', 'method', 'uri', 'body', 'status', 'headers', 'resolve']
const EXPECT_KEYS = ['allow', 'rule', 'message']

export function parseTestSuite(file: PolicySourceFile): { tests: PolicyTest[]; errors: PolicyError[] } {
  const errors: PolicyError[] = []
  const tests: PolicyTest[] = []
  const parsed = parseYaml(file.text)
  if (isSyntaxError(parsed)) {
    return { tests, errors: [{ code: 'E_TEST_INVALID', file: file.name, line: parsed.line, column: parsed.column, message: `YAML syntax error: ${parsed.message}` }] }
  }
  if ('documents' in parsed) return { tests, errors: [{ code: 'E_TEST_INVALID', file: file.name, line: 1, column: 1, message: 'a test suite holds one YAML document' }] }
  const unknown = (path: string, key: string, where: string, known: string[]): void => {
    const near = closest(key, known)
    const pos = parsed.keyAt(`${path}.${key}`)
    errors.push({ code: 'E_TEST_INVALID', file: file.name, line: pos.line, column: pos.column, message: `unknown key "${key}" in ${where}; ${near ? `did you mean "${near}"?` : `known keys: ${known.join(', ')}`}` })
  }
  const err = (path: string, message: string): void => {
    const pos = parsed.valueAt(path)
    errors.push({ code: 'E_TEST_INVALID', file: file.name, line: pos.line, column: pos.column, message })
  }
  const top = parsed.value
  if (top === undefined || top === null) return { tests, errors }
  if (!isObject(top) || !Array.isArray(top.tests)) {
    err('', 'a test suite must be a mapping with a `tests:` list')
    return { tests, errors }
  }
  top.tests.forEach((raw, i) => {
    const path = `tests[${i}]`
    if (!isObject(raw)) return err(path, 'a test must be a mapping with name, request (or payload) and expect')
    for (const k of Object.keys(raw)) if (!TEST_KEYS.includes(k)) unknown(path, k, 'a test', TEST_KEYS)
    const name = typeof raw.name === 'string' ? raw.name : `test ${i + 1}`
    let phase: Phase = 'request'
    if (raw.phase !== undefined) {
      if (raw.phase === 'request' || raw.phase === 'response') phase = raw.phase
      else return err(`${path}.phase`, 'phase must be request or response')
    }
    let input: RequestInput | undefined
    let resolve: Map<string, string[]> | undefined
    if ((raw.request === undefined) === (raw.payload === undefined)) return err(path, 'a test needs exactly one of `request` or `payload`')
    if (raw.payload !== undefined) {
      const decoded = decodeAuthZObject(raw.payload)
      if (!decoded.ok) return err(`${path}.payload`, decoded.error)
      input = toRequestInput(decoded.request, phase)
    } else {
      const r = raw.request
      if (!isObject(r)) return err(`${path}.request`, 'request must be a mapping with method and uri')
      for (const k of Object.keys(r)) if (!REQUEST_KEYS.includes(k)) unknown(`${path}.request`, k, 'a request', REQUEST_KEYS)
      if (typeof r.method !== 'string' || typeof r.uri !== 'string') return err(`${path}.request`, 'request needs `method` and `uri` strings')
      if (r.user !== undefined && r.user !== null && typeof r.user !== 'string') return err(`${path}.request.user`, 'user must be a string (omit it for anonymous)')
      if (r.status !== undefined && typeof r.status !== 'number') return err(`${path}.request.status`, 'status must be a number')
      let body: Uint8Array | undefined
      if (r.body !== undefined && r.body !== null) body = new TextEncoder().encode(typeof r.body === 'string' ? r.body : JSON.stringify(r.body))
      if (r.resolve !== undefined) {
        if (!isObject(r.resolve) || !Object.values(r.resolve).every((v) => Array.isArray(v) && v.every((a) => typeof a === 'string'))) {
          return err(`${path}.request.resolve`, 'resolve must map host names to lists of addresses, e.g. {registry.example.com: [10.0.0.5]}')
        }
        resolve = new Map(Object.entries(r.resolve as Record<string, string[]>).map(([k, v]) => [k.toLowerCase(), v]))
      }
      input = {
        user: typeof r.user === 'string' ? r.user : undefined,
        method: r.method,
        uri: r.uri,
        body,
        headers: isObject(r.headers) ? (r.headers as Record<string, string>) : undefined,
        status: phase === 'response' && typeof r.status === 'number' ? r.status : undefined,
      }
    }
    const e = raw.expect
    if (isObject(e)) for (const k of Object.keys(e)) if (!EXPECT_KEYS.includes(k)) unknown(`${path}.expect`, k, 'expect', EXPECT_KEYS)
    if (!isObject(e) || typeof e.allow !== 'boolean') return err(`${path}.expect`, 'expect needs `allow: true` or `allow: false`')
    const expected: PolicyTest['expected'] = { allow: e.allow }
    if ('rule' in e) {
      if (e.rule !== null && typeof e.rule !== 'string') return err(`${path}.expect.rule`, 'rule must be a rule id, or null for the default decision')
      expected.rule = e.rule as string | null
    }
    if ('message' in e) {
      if (typeof e.message !== 'string') return err(`${path}.expect.message`, 'message must be a string')
      expected.message = e.message
    }
    tests.push({ file: file.name, line: parsed.valueAt(path).line, name, phase, input, ...(resolve ? { resolve } : {}), expected })
  })
  return { tests, errors }
}

/**
 * Decides a test's request. Host names the outbound conditions need come from the test's
 * `resolve`, then from `resolveNames` (live, in `portcullis test`); without either they are
 * unresolved, as a name that does not answer in time.
 */
export async function runTest(set: CompiledPolicySet, t: PolicyTest, env: EvalEnv, resolveNames?: (names: readonly string[]) => Promise<ReadonlyMap<string, readonly string[]>>): Promise<TestResult> {
  const req = prepareRequest(t.input)
  const names = namesToResolve(set, req, t.phase)
  let decideEnv = env
  if (names.length > 0) {
    const live = resolveNames ? await resolveNames(names.filter((n) => !t.resolve?.has(n))) : new Map<string, readonly string[]>()
    decideEnv = { ...env, lookup: (name) => t.resolve?.get(name) ?? live.get(name) }
  }
  const d: Decision = decide(set, req, t.phase, decideEnv)
  const actual = { allow: d.allow, rule: d.rule, message: d.message }
  const pass = actual.allow === t.expected.allow
    && (t.expected.rule === undefined || t.expected.rule === actual.rule)
    && (t.expected.message === undefined || t.expected.message === actual.message)
  return { file: t.file, name: t.name, pass, expected: t.expected, actual }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
