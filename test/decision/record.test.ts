/**
 * Every authorization call gets one decision record, handed to every sink: decisions, malformed
 * payloads, evaluation errors and payloads over the size limit alike.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import type { DecisionRecord } from '../../src/decision/record.js'
import { createLogger } from '../../src/logging/logger.js'
import { compileSources } from '../../src/policy/index.js'
import type { CompiledPolicySet } from '../../src/policy/index.js'
import { buildApp } from '../../src/server/app.js'
import { fixedPolicySource } from '../../src/server/policy-source.js'
import { payload } from '../helpers/plugin-server.js'

const compiled = compileSources([{ name: 'p.yaml', text: `
rules:
  - id: allow-create
    effect: allow
    match: {methods: [POST], paths: ["/containers/create"]}
  - id: no-privileged
    effect: deny
    match: {container: {privileged: true}}
    message: no
` }], 'rev-1')
if (!compiled.ok) throw new Error('test policy invalid')
const SET = compiled.set

function appWith(set: CompiledPolicySet, bodyLimit?: number): { inject: ReturnType<typeof buildApp>['inject']; records: DecisionRecord[] } {
  const records: DecisionRecord[] = []
  const app = buildApp({ policies: fixedPolicySource(set), logger: createLogger('silent'), env: {}, sinks: [{ write: (r) => { records.push(r) } }], bodyLimit, offload: false })
  return { inject: app.inject.bind(app), records }
}

describe('decision records', () => {
  test('record – a decision carries the request as dockerd sent it and as rules saw it', async () => {
    const { inject, records } = appWith(SET)
    const body = { Image: 'busybox', HostConfig: { Privileged: true } }
    const res = await inject({ method: 'POST', url: '/AuthZPlugin.AuthZReq', payload: payload('post', '/v1.41/containers/create?name=x', body, { User: 'alice', UserAuthNMethod: 'TLS', RequestHeaders: { 'Content-Type': 'application/json' } }) })
    assert.deepEqual(res.json(), { Allow: false, Msg: 'no (rule no-privileged)' })
    assert.equal(records.length, 1)
    const r = records[0] as DecisionRecord
    assert.match(r.decisionId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    assert.match(r.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    assert.ok(r.latencyUs > 0)
    const { decisionId: _i, time: _t, latencyUs: _l, facts, bodySha256, ...rest } = r
    assert.deepEqual(rest, {
      phase: 'request', revision: 'rev-1', user: 'alice', authMethod: 'TLS', groups: [],
      method: 'POST', uri: '/v1.41/containers/create?name=x', path: '/containers/create', version: '1.41', contentType: 'application/json', status: null,
      allow: false, reason: 'rule', rule: 'no-privileged', source: { file: 'p.yaml', line: 6 }, message: 'no (rule no-privileged)',
    })
    assert.deepEqual(Object.keys(facts ?? {}), ['container', 'outbound'])
    assert.equal(bodySha256, createHash('sha256').update(JSON.stringify(body)).digest('hex'))
    assert.equal((facts?.container as { privileged: boolean }).privileged, true)
  })

  test('record – a malformed payload is recorded, and answered with an HTTP 500 naming its code', async () => {
    const { inject, records } = appWith(SET)
    const res = await inject({ method: 'POST', url: '/AuthZPlugin.AuthZRes', payload: { RequestMethod: 'GET' } })
    assert.equal(res.statusCode, 500)
    assert.match(res.json<{ Err: string }>().Err, /^E_PROTOCOL_MALFORMED: malformed authorization request: RequestUri is missing/)
    assert.equal(records.length, 1)
    assert.deepEqual({ phase: records[0]?.phase, reason: records[0]?.reason, allow: records[0]?.allow, method: records[0]?.method, message: records[0]?.message }, {
      phase: 'response', reason: 'malformed-payload', allow: false, method: null, message: res.json<{ Err: string }>().Err,
    })
  })

  test('record – an evaluation error is recorded and fails closed', async () => {
    const broken = { ...SET, index: { request: { candidates: () => { throw new Error('boom') } }, response: SET.index.response } } as unknown as CompiledPolicySet
    const { inject, records } = appWith(broken)
    const res = await inject({ method: 'POST', url: '/AuthZPlugin.AuthZReq', payload: payload('GET', '/v1.41/info') })
    assert.equal(res.statusCode, 500)
    assert.equal(res.json<{ Err: string }>().Err, 'E_EVALUATION_FAILED: policy evaluation failed: boom')
    assert.deepEqual({ reason: records[0]?.reason, allow: records[0]?.allow, method: records[0]?.method, uri: records[0]?.uri }, { reason: 'evaluation-error', allow: false, method: 'GET', uri: '/v1.41/info' })
  })

  test('record – a payload over the size limit is recorded', async () => {
    const { inject, records } = appWith(SET, 1000)
    const res = await inject({ method: 'POST', url: '/AuthZPlugin.AuthZReq', payload: payload('POST', '/v1.41/containers/create', { Image: 'x'.repeat(2000) }) })
    assert.equal(res.statusCode, 500)
    assert.match(res.json<{ Err: string }>().Err, /^E_PROTOCOL_TOO_LARGE: request body larger than 1000 bytes/)
    assert.deepEqual({ reason: records[0]?.reason, phase: records[0]?.phase }, { reason: 'malformed-payload', phase: 'request' })
  })

  test('record – a rejected URI is recorded with its reason and no path', async () => {
    const { inject, records } = appWith(SET)
    await inject({ method: 'POST', url: '/AuthZPlugin.AuthZReq', payload: payload('GET', '/v1.41//info') })
    assert.deepEqual({ reason: records[0]?.reason, path: records[0]?.path, allow: records[0]?.allow, facts: records[0]?.facts }, { reason: 'rejected-uri', path: null, allow: false, facts: null })
  })
})
