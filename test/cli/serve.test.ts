/**
 * `portcullis serve` as a real process: a Unix socket or TCP with a spec file that the discovery
 * CLI finds exactly as dockerd would; clean shutdown on SIGTERM; exit codes.
 */
import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { request } from 'node:http'
import { createServer } from 'node:net'
import path from 'node:path'
import { test } from 'node:test'
import { repoPath } from '../helpers/paths.js'
import { payload, rawRequest, tempDir, writeFiles } from '../helpers/plugin-server.js'
import { run, serve, socketAccepts, waitFor, withServedSet } from '../helpers/cli.js'

const SHIPPED = repoPath('policies')
const PING = 'rules:\n  - id: ping\n    effect: allow\n    match: {paths: ["/_ping"]}\n'

test('serve – on a Unix socket: answers dockerd, then SIGTERM removes the socket and exits 0', async () => {
  const dir = await tempDir()
  const socket = path.join(dir, 'gate.sock')
  const server = serve(['--policies', SHIPPED, '--socket', socket])
  try {
    await waitFor('the socket', () => socketAccepts(socket))
    const got = await run(['plugins', 'get', 'gate', '--implements', 'authz', '--socket-dir', dir, '--spec-dir', dir, '--json'])
    assert.equal(got.code, 0, got.err)
    assert.deepEqual((JSON.parse(got.out) as { manifest: unknown }).manifest, { Implements: ['authz'] })
    const call = await run(['plugins', 'call', 'gate', 'AuthZPlugin.AuthZReq', '--socket-dir', dir, '--spec-dir', dir,
      '--data', JSON.stringify(payload('POST', '/v1.41/containers/create', { HostConfig: { Privileged: true } }))])
    assert.equal(call.code, 0, call.err)
    assert.match(call.out, /privileged containers are not allowed \(rule no-privileged\)/)
    // A capture file whole, as `eval --payload` takes it.
    const capture = await run(['plugins', 'call', 'gate', 'AuthZPlugin.AuthZReq', '--socket-dir', dir, '--spec-dir', dir,
      '--data', `@${repoPath('test/fixtures/dockerd/req_container_create_legacy_toplevel.json')}`])
    assert.equal(capture.code, 0, capture.err)
    assert.match(capture.out, /\(rule no-privileged\)/)
    const reloaded = await run(['reload', '--name', 'gate', '--socket', socket])
    assert.equal(reloaded.code, 2, 'a socket and a name together are a usage error')
  } finally {
    server.child.kill('SIGTERM')
  }
  assert.equal(await server.exit, 0)
  assert.equal(existsSync(socket), false)
  assert.match(server.output(), /"msg":"serving"/)
})

test('serve – SIGTERM lets a request in flight finish', async () => {
  const dir = await tempDir()
  const socket = path.join(dir, 'inflight.sock')
  const server = serve(['--policies', SHIPPED, '--socket', socket, '--log-level', 'debug'])
  await waitFor('the socket', () => socketAccepts(socket))
  const body = Buffer.from(JSON.stringify(payload('GET', '/v1.41/info')))
  const req = request({ socketPath: socket, method: 'POST', path: '/AuthZPlugin.AuthZReq', headers: { 'content-length': body.length } })
  const reply = new Promise<{ status: number; text: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = ''
      res.on('data', (d: Buffer) => { text += d })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }))
    })
    req.on('error', reject)
  })
  // 1. Half the body: the server has the request (it says so at debug level) but not all of it.
  req.write(body.subarray(0, 10))
  await waitFor('the server to receive the request', () => server.output().includes('"msg":"request received"'))
  // 2. Shutdown begins while the request is in flight.
  server.child.kill('SIGTERM')
  await waitFor('shutdown to begin', () => server.output().includes('shutting down'))
  // 3. The rest of the body: the request is still answered.
  req.end(body.subarray(10))
  const r = await reply
  assert.equal(r.status, 200)
  assert.deepEqual(JSON.parse(r.text), { Allow: true })
  assert.equal(await server.exit, 0)
})

test('serve – on TCP it writes the spec file dockerd reads, plugins get/ls find it, and SIGTERM removes it', async () => {
  const specDir = await tempDir()
  const emptySockets = await tempDir()
  const server = serve(['--policies', SHIPPED, '--name', 'tcpgate', '--listen', 'tcp://127.0.0.1:0', '--spec-dir', specDir])
  const spec = path.join(specDir, 'tcpgate.spec')
  try {
    await waitFor('the spec file', () => existsSync(spec))
    assert.match(readFileSync(spec, 'utf8'), /^tcp:\/\/127\.0\.0\.1:\d+\n$/)
    const got = await run(['plugins', 'get', 'tcpgate', '--implements', 'authz', '--socket-dir', emptySockets, '--spec-dir', specDir])
    assert.equal(got.code, 0, got.err)
    const ls = await run(['plugins', 'ls', '--socket-dir', emptySockets, '--spec-dir', specDir, '--json'])
    assert.equal(ls.code, 0, ls.err)
    const listed = JSON.parse(ls.out) as Array<{ name: string; implements?: string[] }>
    assert.equal(listed.length, 1)
    assert.equal(listed[0]?.name, 'tcpgate')
    assert.deepEqual(listed[0]?.implements, ['authz'])
  } finally {
    server.child.kill('SIGTERM')
  }
  assert.equal(await server.exit, 0)
  assert.equal(existsSync(spec), false)
})

test('serve – invalid policies at start: errors and exit 3', async () => {
  const dir = await tempDir()
  const r = await run(['serve', '--policies', repoPath('test/fixtures/policies/invalid/ids'), '--socket', path.join(dir, 'x.sock')])
  assert.equal(r.code, 3)
  assert.match(r.err, /ids\/b\.yaml:2:5: duplicate rule id "twice"/)
  assert.equal(existsSync(path.join(dir, 'x.sock')), false)
})

test('serve – a socket another process serves is not stolen: exit 1 with a clear error', async () => {
  const dir = await tempDir()
  const socket = path.join(dir, 'taken.sock')
  const other = createServer()
  await new Promise<void>((resolve) => other.listen(socket, resolve))
  try {
    const r = await run(['serve', '--policies', SHIPPED, '--socket', socket])
    assert.equal(r.code, 1)
    assert.match(r.err, /another process is already serving/)
    assert.ok(await socketAccepts(socket))
  } finally {
    other.close()
  }
})

test('serve – usage errors exit 2', async () => {
  for (const args of [['--listen', 'udp://1.2.3.4:5'], ['--name', '../x'], ['--log-level', 'loud'], ['--socket', 'a', '--listen', 'tcp://127.0.0.1:1'], ['--bogus']]) {
    const r = await run(['serve', '--policies', SHIPPED, ...args])
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.err}`)
    assert.match(r.err, /usage: portcullis serve/)
  }
})

test('serve – a malformed request gets a 500 Err and the process keeps serving', () =>
  withServedSet({ 'a.yaml': PING }, ['--log-level', 'warn'], async ({ socket, ask }) => {
    for (const bad of ['', 'nope', '{"RequestMethod":1}', '[]']) {
      const r = await rawRequest(socket, 'POST', '/AuthZPlugin.AuthZReq', bad)
      assert.equal(r.status, 500)
    }
    assert.deepEqual(await ask('HEAD', '/_ping'), { Allow: true })
  }))

test('serve – SIGHUP reloads (with file watching and the periodic check off)', () =>
  withServedSet({ 'a.yaml': PING }, ['--no-watch', '--poll-interval', '0'], async ({ policies, server, ask }) => {
    await writeFiles(policies, { 'a.yaml': PING.replace('effect: allow', 'effect: deny') })
    assert.deepEqual(await ask('GET', '/_ping'), { Allow: true }, 'nothing reloads on its own')
    server.child.kill('SIGHUP')
    await waitFor('the reload', () => server.output().includes('"msg":"policies reloaded"'))
    assert.deepEqual(await ask('GET', '/_ping'), { Allow: false, Msg: 'GET /_ping is denied by policy (rule ping)' })
  }))

test('serve – with --state-dir, an invalid set at start serves the last-good snapshot, loudly, until fixed', async () => {
  const dir = await tempDir()
  const policies = path.join(dir, 'policies')
  const state = path.join(dir, 'state')
  const socket = path.join(dir, 'snap.sock')
  const good = PING
  await writeFiles(policies, { 'a.yaml': good })
  const first = serve(['--policies', policies, '--socket', socket, '--state-dir', state])
  await waitFor('the socket', () => socketAccepts(socket))
  first.child.kill('SIGTERM')
  assert.equal(await first.exit, 0)
  assert.ok(existsSync(path.join(state, 'last-good.json')))

  await writeFiles(policies, { 'a.yaml': 'rules:\n  - id: ping\n    effect: alow\n' })
  const second = serve(['--policies', policies, '--socket', socket, '--state-dir', state])
  try {
    await waitFor('the socket', () => socketAccepts(socket))
    // The child's stderr may arrive after its socket accepts: wait for it rather than race it.
    await waitFor('the warning', () => second.output().includes('LAST-GOOD SNAPSHOT'))
    assert.match(second.output(), /a\.yaml:3:13: effect must be "allow" or "deny"/)
    assert.match(second.output(), /WARNING: .*serving the LAST-GOOD SNAPSHOT/)
    const status = (await rawRequest(socket, 'GET', '/-/status')).json as { fromSnapshot: boolean; lastError: unknown }
    assert.equal(status.fromSnapshot, true)
    assert.ok(status.lastError)
    const ping = await rawRequest(socket, 'POST', '/AuthZPlugin.AuthZReq', JSON.stringify(payload('GET', '/_ping')))
    assert.deepEqual(ping.json, { Allow: true })
    await writeFiles(policies, { 'a.yaml': good.replace('id: ping', 'id: ping-fixed') })
    await waitFor('the fix to be loaded', async () => ((await rawRequest(socket, 'GET', '/-/status')).json as { fromSnapshot: boolean }).fromSnapshot === false)
  } finally {
    second.child.kill('SIGTERM')
  }
  assert.equal(await second.exit, 0)
})
