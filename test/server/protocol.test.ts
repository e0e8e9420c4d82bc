/** The wire protocol at the edges: malformed input, content types, sizes, logging, sockets. */
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { connect, createServer } from 'node:net'
import { writeFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fastify } from 'fastify'
import { PluginCallError } from '../../src/discovery/index.js'
import { KEEP_ALIVE_MS } from '../../src/server/app.js'
import { listenOnUnixSocket, ListenError } from '../../src/server/listen.js'
import { payload, startPlugin, tempDir } from '../helpers/plugin-server.js'
import type { RunningPlugin } from '../helpers/plugin-server.js'

const POLICY = {
  'p.yaml': `
rules:
  - id: allow-reads
    effect: allow
    match: {methods: [GET, HEAD]}
  - id: allow-create
    effect: allow
    match: {methods: [POST], paths: ["/containers/create"]}
  - id: no-privileged
    effect: deny
    match: {container: {privileged: true}}
    message: privileged containers are not allowed
`,
}

describe('protocol', () => {
  let plugin: RunningPlugin
  before(async () => { plugin = await startPlugin({ policies: POLICY }) })
  after(() => plugin.close())

  const authz = (body: Buffer | string | undefined, headers: Record<string, string> = {}) =>
    plugin.raw('POST', '/AuthZPlugin.AuthZReq', body, headers)

  test('Plugin.Activate answers the manifest, with an empty body and any method', async () => {
    const p = await plugin.plugin()
    assert.deepEqual(p.manifest, { Implements: ['authz'] })
    for (const method of ['POST', 'GET']) {
      const r = await plugin.raw(method, '/Plugin.Activate')
      assert.equal(r.status, 200)
      assert.deepEqual(r.json, { Implements: ['authz'] })
    }
  })

  const MALFORMED: Array<[string, Buffer | string | undefined, RegExp]> = [
    ['an empty body', undefined, /empty request body/],
    ['whitespace only', '  \n', /empty request body/],
    ['not JSON', 'hello', /not JSON/],
    ['truncated JSON', '{"RequestMethod":"GET"', /not JSON/],
    ['a JSON array', '[1,2]', /JSON object/],
    ['JSON null', 'null', /JSON object/],
    ['a missing RequestUri', JSON.stringify({ RequestMethod: 'GET' }), /RequestUri is missing/],
    ['a missing RequestMethod', JSON.stringify({ RequestUri: '/info' }), /RequestMethod is missing/],
    ['an empty RequestMethod', JSON.stringify({ RequestMethod: '', RequestUri: '/info' }), /RequestMethod is empty/],
    ['RequestMethod of the wrong type', JSON.stringify({ RequestMethod: 7, RequestUri: '/info' }), /RequestMethod must be a string/],
    ['User of the wrong type', JSON.stringify({ RequestMethod: 'GET', RequestUri: '/info', User: ['a'] }), /User must be a string/],
    ['RequestBody that is not base64', JSON.stringify({ RequestMethod: 'POST', RequestUri: '/containers/create', RequestBody: 'not base64!' }), /RequestBody is not valid base64/],
    ['RequestBody base64 without padding', JSON.stringify({ RequestMethod: 'POST', RequestUri: '/containers/create', RequestBody: 'e30' }), /RequestBody is not valid base64/],
    ['RequestBody of the wrong type', JSON.stringify({ RequestMethod: 'POST', RequestUri: '/containers/create', RequestBody: 5 }), /RequestBody must be a string/],
    ['RequestHeaders with a non-string value', JSON.stringify({ RequestMethod: 'GET', RequestUri: '/info', RequestHeaders: { A: 1 } }), /RequestHeaders must be an object of strings/],
    ['RequestPeerCertificates not a list', JSON.stringify({ RequestMethod: 'GET', RequestUri: '/info', RequestPeerCertificates: 'x' }), /RequestPeerCertificates/],
    ['ResponseStatusCode not a number', JSON.stringify({ RequestMethod: 'GET', RequestUri: '/info', ResponseStatusCode: '200' }), /ResponseStatusCode/],
    ['invalid UTF-8 bytes', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), /not JSON/],
  ]
  for (const [name, body, err] of MALFORMED) {
    test(`malformed input – ${name} is a 500 with Err, never an allow`, async () => {
      const r = await authz(body)
      assert.equal(r.status, 500)
      const reply = r.json as { Err?: string; Allow?: unknown }
      assert.match(String(reply.Err), err)
      assert.equal(reply.Allow, undefined)
    })
  }

  test('malformed input through the discovery client surfaces as the plugin error dockerd would print', async () => {
    const p = await plugin.plugin()
    await assert.rejects(p.client.call('AuthZPlugin.AuthZReq', { RequestMethod: 'GET' }), (e: unknown) => {
      assert.ok(e instanceof PluginCallError)
      assert.equal(e.status, 500)
      assert.match(e.message, /^AuthZPlugin\.AuthZReq: E_PROTOCOL_MALFORMED: malformed authorization request: RequestUri is missing/)
      return true
    })
  })

  test('the body is parsed as JSON whatever the Content-Type (dockerd sends none)', async () => {
    const body = JSON.stringify(payload('GET', '/v1.41/info'))
    const variants: Array<Record<string, string>> = [{}, { 'content-type': 'text/plain' }, { 'content-type': 'application/octet-stream' }, { 'content-type': 'application/json' }]
    for (const headers of variants) {
      const r = await authz(body, headers)
      assert.equal(r.status, 200)
      assert.deepEqual(r.json, { Allow: true })
    }
  })

  test('a deny is a 200 with Allow false and the message', async () => {
    const r = await plugin.call('AuthZPlugin.AuthZReq', payload('POST', '/v1.41/containers/create', { Image: 'x', HostConfig: { Privileged: true } }))
    assert.deepEqual(r, { Allow: false, Msg: 'privileged containers are not allowed (rule no-privileged)' })
  })

  test('the largest payload dockerd sends (a 4 MiB body, base64) is decided', async () => {
    const big = JSON.stringify({ Image: 'x', Labels: { pad: 'a'.repeat(4 * 1024 * 1024 - 100) }, HostConfig: { Privileged: true } })
    assert.ok(big.length <= 4 * 1024 * 1024)
    const r = await plugin.call('AuthZPlugin.AuthZReq', payload('POST', '/v1.41/containers/create', big, { RequestHeaders: { 'Content-Type': 'application/json' } }))
    assert.deepEqual(r, { Allow: false, Msg: 'privileged containers are not allowed (rule no-privileged)' })
  })

  test('a far larger payload is a 500 with Err, and the server keeps serving', async () => {
    const huge = Buffer.alloc(20 * 1024 * 1024, 0x61)
    const r = await authz(huge)
    assert.equal(r.status, 500)
    assert.match(String((r.json as { Err: string }).Err), /larger than/)
    const again = await plugin.call('AuthZPlugin.AuthZReq', payload('GET', '/v1.41/info'))
    assert.deepEqual(again, { Allow: true })
  })

  test('an unknown endpoint is a 404 with Err', async () => {
    const r = await plugin.raw('POST', '/VolumeDriver.Create', '{}')
    assert.equal(r.status, 404)
    assert.match(String((r.json as { Err: string }).Err), /unknown endpoint/)
  })

  test('the response phase reads ResponseStatusCode', async () => {
    const r = await plugin.call('AuthZPlugin.AuthZRes', payload('GET', '/v1.41/info', undefined, { ResponseStatusCode: 200 }))
    assert.deepEqual(r, { Allow: true })
  })

  test('one decision log line per decision, with no body and no headers', async () => {
    const secret = 'password-SECRET-123'
    await plugin.call('AuthZPlugin.AuthZReq', payload('POST', '/v1.41/auth', { username: 'u', password: secret }, { RequestHeaders: { Authorization: secret } }))
    const text = JSON.stringify(plugin.logs())
    assert.ok(!text.includes(secret), 'a secret reached the log')
    const decisions = plugin.logs().filter((l) => l.msg === 'decision')
    const last = decisions.at(-1) as Record<string, unknown>
    assert.equal(last.method, 'POST')
    assert.equal(last.uri, '/v1.41/auth')
    assert.equal(last.path, '/auth')
    assert.equal(last.allow, false)
    assert.equal(last.rule, null)
    assert.equal(last.phase, 'request')
    assert.equal(last.revision, plugin.store.current().revision)
    assert.equal(typeof last.ms, 'number')
    assert.equal(last.level, 30)
  })

  test('connections are kept alive longer than dockerd\'s 30 s idle timeout', () => {
    assert.ok(KEEP_ALIVE_MS > 30_000)
  })

  test('GET /-/status reports the revision and files', async () => {
    const r = await plugin.raw('GET', '/-/status')
    const s = r.json as { revision: string; files: string[]; lastError: unknown }
    assert.equal(s.revision, plugin.store.current().revision)
    assert.equal(s.files.length, 1)
    assert.equal(s.lastError, null)
  })
})

describe('listening on a Unix socket', () => {
  test('the socket is created with mode 0660, its directory too', async () => {
    const dir = await tempDir()
    const app = fastify()
    const socket = path.join(dir, 'deep', 'x.sock')
    await listenOnUnixSocket(app, socket)
    assert.equal((await stat(socket)).mode & 0o777, 0o660)
    await app.close()
  })

  test('a stale socket left by a crashed run is replaced', async () => {
    const dir = await tempDir()
    const socket = path.join(dir, 'stale.sock')
    // A process that listens and is then killed leaves its socket file behind.
    const child = spawn(process.execPath, ['-e', `require('net').createServer().listen(${JSON.stringify(socket)}, () => console.log('up'))`])
    await once(child.stdout, 'data')
    child.kill('SIGKILL')
    await once(child, 'exit')
    assert.ok((await stat(socket)).isSocket())
    const app = fastify()
    await listenOnUnixSocket(app, socket)
    await new Promise<void>((resolve, reject) => { const c = connect(socket, () => { c.destroy(); resolve() }); c.on('error', reject) })
    await app.close()
  })

  test('a socket another live process serves is never stolen', async () => {
    const dir = await tempDir()
    const socket = path.join(dir, 'live.sock')
    const live = createServer()
    await new Promise<void>((resolve) => live.listen(socket, resolve))
    await assert.rejects(listenOnUnixSocket(fastify(), socket), (e: unknown) => e instanceof ListenError && /another process/.test(e.message))
    live.close()
  })

  test('a regular file in the way is not removed', async () => {
    const dir = await tempDir()
    const file = path.join(dir, 'not-a-socket.sock')
    await writeFile(file, 'keep me')
    await assert.rejects(listenOnUnixSocket(fastify(), file), (e: unknown) => e instanceof ListenError && /not a socket/.test(e.message))
    assert.ok((await stat(file)).isFile())
  })
})
