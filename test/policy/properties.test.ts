/**
 * Properties (fast-check): no request the shipped policies deny becomes allowed when its path or
 * its body keys are re-spelled the ways dockerd accepts; and the engine never throws.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { compileSources, evaluate } from '../../src/policy/index.js'
import type { CompiledPolicySet, RequestInput } from '../../src/policy/index.js'
import { loadPolicyDir } from '../../src/store/load.js'
import { repoPath } from '../helpers/paths.js'

const loaded = await loadPolicyDir(repoPath('policies'))
if (!loaded.ok) throw new Error('shipped policies invalid')
const SHIPPED: CompiledPolicySet = loaded.set

type Json = null | boolean | number | string | Json[] | { [k: string]: Json }

/** Dangerous and harmless requests the properties start from (all canonical spellings). */
const BASES: Array<{ method: string; path: string; body?: Json }> = [
  { method: 'POST', path: '/containers/create', body: { Image: 'busybox', HostConfig: { Privileged: true } } },
  { method: 'POST', path: '/containers/create', body: { Image: 'busybox', HostConfig: { Binds: ['/:/host'], NetworkMode: 'bridge' } } },
  { method: 'POST', path: '/containers/create', body: { Image: 'busybox', HostConfig: { Mounts: [{ Type: 'bind', Source: '/etc', Target: '/e' }] } } },
  { method: 'POST', path: '/containers/create', body: { Image: 'busybox', HostConfig: { NetworkMode: 'host', CapAdd: ['SYS_ADMIN'] } } },
  { method: 'POST', path: '/containers/create', body: { Image: 'busybox', HostConfig: { SecurityOpt: ['seccomp=unconfined'], Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/sda' }] } } },
  { method: 'POST', path: '/containers/create', body: { Image: 'busybox', HostConfig: { Memory: 1024 } } },
  { method: 'POST', path: '/containers/abc/exec', body: { Cmd: ['sh'], Privileged: true } },
  { method: 'POST', path: '/volumes/create', body: { Name: 'v', Driver: 'local', DriverOpts: { type: 'none', o: 'bind', device: '/' } } },
  { method: 'POST', path: '/volumes/create', body: { Name: 'v' } },
  { method: 'POST', path: '/plugins/pull' },
  { method: 'DELETE', path: '/plugins/portcullis' },
  { method: 'POST', path: '/swarm/init', body: {} },
  { method: 'GET', path: '/debug/pprof/heap' },
  { method: 'POST', path: '/networks/create', body: { Name: 'n' } },
  { method: 'GET', path: '/containers/json' },
]

/** Percent-encodes some characters of a path (any character may be encoded; `/` as %2F too). */
const encodedPath = (path: string): fc.Arbitrary<string> =>
  fc.array(fc.boolean(), { minLength: path.length, maxLength: path.length }).map((flags) =>
    [...path].map((ch, i) => (flags[i] && i > 0 ? `%${ch.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}` : ch)).join(''))

const versionPrefix = fc.constantFrom('', '/v1.41', '/v1.41.0', '/v1.40', '/v1.12', '/v1.041', '/v1.41.')
const absolute = fc.constantFrom('', 'http://x', 'HTTP://host:1234', 'ftp://u@h', 'http:')

/** Re-spells every key: random case, Go's folding equivalents (ſ for s, K for k). */
function respellKey(key: string, choices: number[]): string {
  return [...key].map((ch, i) => {
    const c = choices[i % choices.length] as number
    if (ch === 's' && c % 5 === 0) return '\u017f'
    if (ch === 'k' && c % 5 === 0) return '\u212a'
    return c % 2 === 0 ? ch.toLowerCase() : ch.toUpperCase()
  }).join('')
}

/** JSON text of `v` with every struct key re-spelled, and optionally a harmless earlier duplicate. */
function respellJson(v: Json, choices: number[], duplicate: boolean, inMap = false): string {
  if (Array.isArray(v)) return `[${v.map((x) => respellJson(x, choices, duplicate)).join(',')}]`
  if (v === null || typeof v !== 'object') return JSON.stringify(v)
  const parts: string[] = []
  for (const [k, x] of Object.entries(v)) {
    const map = /^(driveropts|labels|options)$/i.test(k)
    const key = inMap ? k : respellKey(k, choices)
    // An earlier duplicate with a harmless value: Go keeps the last one.
    if (duplicate && typeof x === 'boolean') parts.push(`${JSON.stringify(key)}:${!x}`)
    parts.push(`${JSON.stringify(key)}:${respellJson(x, choices, duplicate, map)}`)
  }
  return `{${parts.join(',')}}`
}

function encode(body: Json | undefined): Uint8Array | undefined {
  return body === undefined ? undefined : new TextEncoder().encode(JSON.stringify(body))
}

function decide(input: RequestInput): boolean {
  return evaluate(SHIPPED, input, 'request', {}).allow
}

test('property – a denied request stays denied under every path spelling dockerd routes the same', () => {
  const denied = BASES.filter((b) => !decide({ method: b.method, uri: `/v1.41${b.path}`, body: encode(b.body) }))
  assert.ok(denied.length >= 10)
  const spelled = fc.constantFrom(...denied).chain((base) => fc.record({
    base: fc.constant(base), encoded: encodedPath(base.path), version: versionPrefix, scheme: absolute,
    method: fc.constantFrom(base.method, base.method.toLowerCase(), `${base.method[0]}${base.method.slice(1).toLowerCase()}`),
  }))
  fc.assert(fc.property(spelled, ({ base, encoded, version, scheme, method }) =>
    decide({ method, uri: `${scheme}${version}${encoded}`, body: encode(base.body) }) === false), { numRuns: 3000 })
})

test('property – a denied request stays denied when its body keys are re-spelled or duplicated', () => {
  const withBody = BASES.filter((b) => b.body !== undefined)
  fc.assert(fc.property(
    fc.constantFrom(...withBody), fc.array(fc.nat(), { minLength: 1, maxLength: 12 }), fc.boolean(),
    (base, choices, duplicate) => {
      const canonical = decide({ method: base.method, uri: `/v1.41${base.path}`, body: new TextEncoder().encode(JSON.stringify(base.body)) })
      fc.pre(!canonical)
      const text = respellJson(base.body as Json, choices, duplicate)
      return decide({ method: base.method, uri: `/v1.41${base.path}`, body: new TextEncoder().encode(text) }) === false
    }), { numRuns: 800 })
})

test('property – the engine never throws, whatever the request', () => {
  fc.assert(fc.property(
    fc.string(), fc.string({ unit: 'binary' }), fc.option(fc.uint8Array({ maxLength: 200 })), fc.option(fc.string()), fc.option(fc.integer()),
    (method, uri, body, user, status) => {
      for (const phase of ['request', 'response'] as const) {
        const d = evaluate(SHIPPED, { method, uri, body: body ?? undefined, user: user ?? undefined, status: status ?? undefined }, phase, {})
        assert.equal(typeof d.allow, 'boolean')
      }
    }), { numRuns: 2000 })
})

test('property – arbitrary JSON bodies on dangerous endpoints never throw and deny unless harmless', () => {
  fc.assert(fc.property(fc.constantFrom('/containers/create', '/volumes/create', '/containers/x/exec', '/containers/x/start'), fc.json(), (path, text) => {
    const d = evaluate(SHIPPED, { method: 'POST', uri: `/v1.23${path}`, body: new TextEncoder().encode(text) }, 'request', {})
    assert.equal(typeof d.allow, 'boolean')
  }), { numRuns: 2000 })
})

test('property – compiling arbitrary text reports errors and never throws', () => {
  const seeds = ['rules:\n  - id: a\n    effect: allow\n', 'settings: {default: allow}\n', 'groups: {a: [b]}\n']
  fc.assert(fc.property(fc.oneof(fc.string(), fc.constantFrom(...seeds).chain((s) => fc.nat(s.length).map((n) => s.slice(0, n)))), (text) => {
    const r = compileSources([{ name: 'x.yaml', text }], 'r')
    if (!r.ok) for (const e of r.errors) assert.ok(e.line >= 1 && e.column >= 1 && e.message.length > 0)
  }), { numRuns: 1500 })
})
