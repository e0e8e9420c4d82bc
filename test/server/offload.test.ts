/**
 * Large payloads are decided in the decision worker (offload.ts) exactly as small ones are decided
 * on the event loop, and one that cannot be decided within the budget is denied.
 */
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { OFFLOAD_BYTES } from '../../src/server/offload.js'
import { payload, startPlugin } from '../helpers/plugin-server.js'
import type { RunningPlugin } from '../helpers/plugin-server.js'

const POLICY = {
  'p.yaml': `
rules:
  - id: allow-create
    effect: allow
    match: {methods: [POST], paths: ["/containers/create"]}
  - id: no-privileged
    effect: deny
    match: {container: {privileged: true}}
    message: privileged containers are not allowed
  - id: no-secret-label
    effect: deny
    match: {body: {Labels.secret: "*"}}
`,
}

/** A create body padded with labels to more than OFFLOAD_BYTES. */
function bigCreate(extra: Record<string, unknown>): Record<string, unknown> {
  const labels: Record<string, string> = {}
  for (let i = 0; i < 20_000; i++) labels[`label-${i}`] = 'x'.repeat(8)
  return { Image: 'busybox', Labels: labels, ...extra }
}

const authzCall = (plugin: RunningPlugin, p: unknown) => plugin.raw('POST', '/AuthZPlugin.AuthZReq', JSON.stringify(p))

describe('offload', () => {
  let plugin: RunningPlugin
  before(async () => { plugin = await startPlugin({ policies: POLICY }) })
  after(() => plugin.close())

  test('offload – a large allowed payload is decided (and logged) like a small one', async () => {
    const p = payload('POST', '/v1.41/containers/create', bigCreate({}))
    assert.ok(JSON.stringify(p).length > OFFLOAD_BYTES)
    const r = await authzCall(plugin, p)
    assert.equal(r.status, 200)
    assert.deepEqual(r.json, { Allow: true })
    const line = plugin.logs().filter((l) => l.msg === 'decision').at(-1)
    assert.deepEqual({ path: line?.path, allow: line?.allow, rule: line?.rule }, { path: '/containers/create', allow: true, rule: 'allow-create' })
  })

  test('offload – a large payload that a deny rule matches is denied with the rule\'s message', async () => {
    const r = await authzCall(plugin, payload('POST', '/v1.41/containers/create', bigCreate({ HostConfig: { Privileged: true } })))
    assert.deepEqual(r.json, { Allow: false, Msg: 'privileged containers are not allowed (rule no-privileged)' })
    const labelled = await authzCall(plugin, payload('POST', '/v1.41/containers/create', bigCreate({ Labels: { ...bigCreate({}).Labels as object, secret: 'y' } })))
    assert.equal((labelled.json as { Allow: boolean }).Allow, false)
  })

  test('offload – a large malformed payload is an HTTP 500 with the reason', async () => {
    const p = payload('POST', '/v1.41/containers/create', bigCreate({}))
    p.RequestBody = `${String(p.RequestBody)}!`
    const r = await authzCall(plugin, p)
    assert.equal(r.status, 500)
    assert.match(String((r.json as { Err: string }).Err), /RequestBody is not valid base64/)
  })

  test('offload – many large payloads at once are all decided, and a small one is not held behind them', async () => {
    const big = JSON.stringify(payload('POST', '/v1.41/containers/create', bigCreate({ HostConfig: { Privileged: true } })))
    const order: string[] = []
    const bigs = Array.from({ length: 12 }, () => plugin.raw('POST', '/AuthZPlugin.AuthZReq', big).then((r) => { order.push('big'); return r }))
    const small = plugin.raw('POST', '/AuthZPlugin.AuthZReq', JSON.stringify(payload('GET', '/_ping'))).then((r) => { order.push('small'); return r })
    const results = await Promise.all([...bigs, small])
    for (const r of results.slice(0, -1)) assert.deepEqual(r.json, { Allow: false, Msg: 'privileged containers are not allowed (rule no-privileged)' })
    // The small one is decided on the event loop while the worker reads the large ones.
    assert.ok(order.indexOf('small') < order.length - 1, `order: ${order.join(',')}`)
  })
})

describe('offload budget', () => {
  let plugin: RunningPlugin
  before(async () => { plugin = await startPlugin({ policies: POLICY, offload: { budgetMs: 1 } }) })
  after(() => plugin.close())

  test('offload – a large payload not decided within the budget is denied (fail closed), and the next one is decided again', async () => {
    const r = await authzCall(plugin, payload('POST', '/v1.41/containers/create', bigCreate({})))
    assert.equal(r.status, 200)
    assert.deepEqual(r.json, { Allow: false, Msg: 'Portcullis could not decide this request within 1 ms (a large body); denied' })
    const small = await authzCall(plugin, payload('POST', '/v1.41/containers/create', { Image: 'busybox' }))
    assert.deepEqual(small.json, { Allow: true })
  })
})
