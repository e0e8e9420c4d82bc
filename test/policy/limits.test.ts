/** The work of one decision is bounded (docker/limits.ts): longer lists are denied, saying the cap. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { evaluate, explain } from '../../src/policy/index.js'
import { MAX_LIST_ENTRIES } from '../../src/dockerd/limits.js'
import { hostEnv } from '../../src/host-env.js'
import { loadPolicyDir } from '../../src/store/load.js'
import { repoPath } from '../helpers/paths.js'

const loaded = await loadPolicyDir(repoPath('policies'))
if (!loaded.ok) throw new Error('shipped policies invalid')
const set = loaded.set
const create = (hostConfig: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify({ Image: 'busybox', HostConfig: hostConfig }))
const binds = (n: number): string[] => Array.from({ length: n }, (_, i) => `/data/d${i}:/m${i}`)

test('limits – a create with as many binds as the cap is read and decided by the rules', () => {
  const d = evaluate(set, { method: 'POST', uri: '/v1.41/containers/create', body: create({ Binds: binds(MAX_LIST_ENTRIES) }) }, 'request', hostEnv)
  assert.deepEqual({ allow: d.allow, rule: d.rule }, { allow: true, rule: 'allow-lifecycle' })
})

test('limits – a create with 56,000 binds is denied with a message that says the cap', () => {
  const d = evaluate(set, { method: 'POST', uri: '/v1.41/containers/create', body: create({ Binds: binds(56_000) }) }, 'request', hostEnv)
  assert.equal(d.allow, false)
  assert.equal(d.rule, null)
  assert.equal(d.message, `request denied: HostConfig.Binds has 56000 entries; Portcullis reads at most ${MAX_LIST_ENTRIES} per list, so a request with more is denied`)
})

for (const field of ['Mounts', 'CapAdd', 'SecurityOpt', 'Devices', 'VolumesFrom', 'DeviceCgroupRules', 'MaskedPaths'] as const) {
  test(`limits – one more entry than the cap in HostConfig.${field} is denied`, () => {
    const entry = field === 'Mounts' ? { Type: 'tmpfs', Target: '/t' } : field === 'Devices' ? { PathOnHost: '/dev/null' } : 'x'
    const d = evaluate(set, { method: 'POST', uri: '/v1.41/containers/create', body: create({ [field]: Array(MAX_LIST_ENTRIES + 1).fill(entry) }) }, 'request', hostEnv)
    assert.equal(d.allow, false)
    assert.match(d.message, new RegExp(`HostConfig\\.${field} has ${MAX_LIST_ENTRIES + 1} entries`))
  })
}

test('limits – the legacy top-level fields and a volume\'s options are bounded too', () => {
  const top = evaluate(set, { method: 'POST', uri: '/v1.41/containers/create', body: new TextEncoder().encode(JSON.stringify({ Image: 'x', Binds: binds(300) })) }, 'request')
  assert.match(top.message, /HostConfig\.Binds has 300 entries/)
  const o = Array(MAX_LIST_ENTRIES + 1).fill('size=1m').join(',')
  const vol = evaluate(set, { method: 'POST', uri: '/v1.41/volumes/create', body: new TextEncoder().encode(JSON.stringify({ Name: 'v', DriverOpts: { type: 'tmpfs', device: 'tmpfs', o } })) }, 'request')
  assert.match(vol.message, /the volume option o has 257 entries/)
})

test('limits – eval --explain reports the cap instead of failing', () => {
  const x = explain(set, { method: 'POST', uri: '/v1.41/containers/create', body: create({ Binds: binds(1000) }) }, 'request', hostEnv)
  assert.equal(x.decision.allow, false)
  assert.match(String(x.extracted?.evidence), /has 1000 entries/)
  assert.ok(x.rules.some((r) => r.why.some((w) => /not read: HostConfig\.Binds has 1000 entries/.test(w))))
})
