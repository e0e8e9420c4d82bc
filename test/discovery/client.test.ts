/** §11 E 41–48 and 62: the plugin client against real servers (moby `client_test.go`). */
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { gzipSync } from 'node:zlib'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  backoff, PluginCallError, PluginClient, PluginClientConfigError, PluginResponseError, PluginTimeoutError,
  PluginTransportError, realClock, shouldAbort, SKIP_VERIFY, type TLSOptions,
} from '../../src/discovery/index.js'
import { fakeClock, makePKI, startPlugin, tempDir, type TestPKI } from './support.js'

let pki: TestPKI
before(() => {
  pki = makePKI(mkdtempSync(join(tmpdir(), 'portcullis-pki-')))
})
after(() => rmSync(pki.dir, { recursive: true, force: true }))

const tlsOptions = (options: Partial<TLSOptions>): TLSOptions => ({ ...SKIP_VERIFY, InsecureSkipVerify: false, ...options })

test('E41 – connection failure with retry disabled is an error', async () => {
  const client = new PluginClient('tcp://127.0.0.1:1', { tlsConfig: { ...SKIP_VERIFY } })
  await assert.rejects(client.call('Service.Method', undefined, { retry: false }), (err: unknown) => {
    assert.ok(err instanceof PluginTransportError)
    assert.equal(err.message, 'Post "http://127.0.0.1:1/Service.Method": dial tcp 127.0.0.1:1: connect: connection refused')
    return true
  })
  client.close()
})

test('E42 – retry after a dropped connection: one 1 s backoff, the full body re-sent', async (t) => {
  let dropped = false
  const plugin = await startPlugin(t, { tcp: true }, (req, res, raw) => {
    if (!dropped) {
      dropped = true
      raw.socket.destroy() // after the whole body was read: moby would retry with an empty body here
      return
    }
    res.end(req.body)
  })
  const clock = fakeClock()
  const logs: string[] = []
  const client = new PluginClient(plugin.addr, { clock, log: (line) => logs.push(line) })
  t.after(() => client.close())
  const payload = { User: 'alice', RequestMethod: 'POST', RequestURI: '/v1.43/containers/create' }
  assert.deepEqual(await client.call('Test.FailOnce', payload), payload)
  assert.deepEqual(clock.sleeps, [1000])
  assert.equal(plugin.requests.length, 2)
  for (const req of plugin.requests) assert.equal(req.body, JSON.stringify(payload) + '\n')
  assert.match(logs[0] ?? '', /^Unable to connect to plugin: 127\.0\.0\.1:\d+\/Test\.FailOnce: Post "http:\/\/127\.0\.0\.1:\d+\/Test\.FailOnce": EOF, retrying in 1s$/)
})

test('E43 – echo: POST, object round trip, nil args and nil result, dockerd\'s headers', async (t) => {
  const plugin = await startPlugin(t, { tcp: true }, (req, res) => {
    res.setHeader('Content-Type', 'application/vnd.docker.plugins.v1.2+json')
    res.end(req.body)
  })
  const client = new PluginClient(plugin.addr)
  t.after(() => client.close())
  const manifest = { Implements: ['VolumeDriver', 'NetworkDriver'] }
  assert.deepEqual(await client.call('Test.Echo', manifest), manifest)
  assert.equal(await client.call('Test.Echo', undefined, { decode: false }), undefined)
  const [withBody, empty] = plugin.requests
  assert.equal(withBody?.method, 'POST')
  assert.equal(withBody?.url, '/Test.Echo')
  assert.equal(withBody?.body, '{"Implements":["VolumeDriver","NetworkDriver"]}\n')
  assert.equal(withBody?.headers.accept, 'application/vnd.docker.plugins.v1.2+json')
  assert.equal(withBody?.headers['content-type'], undefined)
  assert.equal(withBody?.headers['content-length'], String(withBody?.body.length))
  assert.equal(withBody?.headers.host, `127.0.0.1:${plugin.port}`)
  assert.equal(withBody?.headers['user-agent'], 'Go-http-client/1.1')
  assert.equal(withBody?.headers['accept-encoding'], 'gzip')
  assert.equal(empty?.body, '')
  assert.equal(empty?.headers['content-length'], '0')
})

test('E44 – backoff table: 0,1,2,4,6,10 retries ⇒ 1 s, 2 s, 4 s, 16 s, 30 s, 30 s', () => {
  assert.deepEqual([0, 1, 2, 4, 6, 10].map(backoff), [1000, 2000, 4000, 16_000, 30_000, 30_000])
})

test('E45 – abort rule: 1 s, 2 s, 10 s continue; 30 s, 40 s abort; instant failures give up at 15 s', async (t) => {
  const start = realClock.now()
  assert.deepEqual([1000, 2000, 10_000, 30_000, 40_000].map((off) => shouldAbort(start, off, 30_000, realClock)), [false, false, false, true, true])
  const plugin = await startPlugin(t, { tcp: true }, (_req, _res, raw) => raw.socket.destroy())
  const clock = fakeClock()
  const client = new PluginClient(plugin.addr, { clock })
  t.after(() => client.close())
  await assert.rejects(client.call('Test.Down', { a: 1 }), PluginTransportError)
  assert.deepEqual(clock.sleeps, [1000, 2000, 4000, 8000])
  assert.equal(plugin.requests.length, 5)
  assert.equal(clock.elapsed(), 15_000)
})

test('E46 – scheme mapping: tcp, unix, http ⇒ http; https ⇒ https; each one called for real', async (t) => {
  const cases: Record<string, string> = {
    'tcp://127.0.0.1:8080': 'http', 'unix:///usr/local/plugins/foo': 'http', 'http://127.0.0.1:8080': 'http', 'https://127.0.0.1:8080': 'https',
  }
  for (const [addr, scheme] of Object.entries(cases)) assert.equal(new PluginClient(addr).scheme, scheme, addr)
  const tcp = await startPlugin(t, { tcp: true })
  const unix = await startPlugin(t, { socketPath: join(tempDir(t), 'p.sock') })
  const tls = await startPlugin(t, { tls: pki.serverTLS })
  const addresses = [`tcp://127.0.0.1:${tcp.port}`, `http://127.0.0.1:${tcp.port}`, unix.addr, `https://127.0.0.1:${tls.port}`]
  for (const addr of addresses) {
    const client = new PluginClient(addr, { tlsConfig: { ...SKIP_VERIFY } })
    assert.deepEqual(await client.call('Test.Echo', { addr }), { addr })
    client.close()
  }
  assert.equal(unix.requests[0]?.headers.host, 'plugin.moby.localhost')
  assert.equal(unix.requests[0]?.headers['accept-encoding'], undefined)
})

test('E47 – client timeout 10 ms, retry budget 1 s: a timeout error after one attempt', async (t) => {
  const plugin = await startPlugin(t, { tcp: true }, () => {}) // never answers
  const logs: string[] = []
  const client = new PluginClient(plugin.addr, { timeoutMs: 10, retryBudgetMs: 1000, log: (line) => logs.push(line) })
  t.after(() => client.close())
  await assert.rejects(client.call('Test.Echo', { Implements: ['VolumeDriver'] }), (err: unknown) => {
    assert.ok(err instanceof PluginTimeoutError)
    assert.equal(err.timeout, true)
    assert.match(err.message, /: context deadline exceeded \(Client\.Timeout exceeded while awaiting headers\)$/)
    return true
  })
  assert.deepEqual(logs, []) // 1 s backoff + elapsed ≥ 1 s budget: no retry
})

test('E48 – per-request timeout 1 ms without retry: a timeout error well within 5 s', async (t) => {
  const plugin = await startPlugin(t, { tcp: true }, () => {})
  const client = new PluginClient(plugin.addr)
  t.after(() => client.close())
  const started = Date.now()
  await assert.rejects(client.call('/Plugin.Hello', undefined, { timeoutMs: 1, retry: false }), (err: unknown) => {
    assert.ok(err instanceof PluginTimeoutError && err.timeout)
    assert.equal(err.message, `Post "http://127.0.0.1:${plugin.port}/Plugin.Hello": context deadline exceeded`)
    return true
  })
  assert.ok(Date.now() - started < 5000)
})

test('E62 – non-200 replies: "<Method>: <Err>" or "<Method>: <body>", status kept, never retried', async (t) => {
  const replies: Record<string, [number, string]> = {
    '/Svc.Boom': [500, '{"Err":"boom"}'],
    '/Svc.Missing': [404, '{"Err":"no such volume"}'],
    '/Svc.Oops': [500, 'oops'],
    '/Svc.EmptyErr': [500, '{"Err":""}'],
    '/Svc.Lower': [400, '{"err":"folded key"}'],
    '/Svc.NotString': [500, '{"Err":5}'],
  }
  const plugin = await startPlugin(t, { tcp: true }, (req, res) => {
    const [status, body] = replies[req.url] ?? [200, '{}']
    res.statusCode = status
    res.end(body)
  })
  const clock = fakeClock()
  const client = new PluginClient(plugin.addr, { clock })
  t.after(() => client.close())
  const expected: Record<string, [number, string]> = {
    'Svc.Boom': [500, 'Svc.Boom: boom'],
    'Svc.Missing': [404, 'Svc.Missing: no such volume'],
    'Svc.Oops': [500, 'Svc.Oops: oops'],
    'Svc.EmptyErr': [500, 'Svc.EmptyErr: {"Err":""}'],
    'Svc.Lower': [400, 'Svc.Lower: folded key'],
    'Svc.NotString': [500, 'Svc.NotString: {"Err":5}'],
  }
  for (const [method, [status, message]] of Object.entries(expected)) {
    await assert.rejects(client.call(method, { x: 1 }), (err: unknown) => {
      assert.ok(err instanceof PluginCallError)
      assert.equal(err.status, status)
      assert.equal(err.method, method)
      assert.equal(err.message, message)
      assert.equal(err.isNotFound, status === 404)
      return true
    })
  }
  assert.equal(plugin.requests.length, Object.keys(expected).length)
  assert.deepEqual(clock.sleeps, [])
})

test('§5.5 a 200 reply is decoded like Go\'s json.Decoder: first value only, Go\'s error texts', async (t) => {
  const bodies: Record<string, string> = { '/A.Trailing': '{"Allow":true} trailing garbage', '/A.Empty': '', '/A.Html': '<html>', '/A.Cut': '{"Allow":' }
  const plugin = await startPlugin(t, { tcp: true }, (req, res) => res.end(bodies[req.url] ?? ''))
  const client = new PluginClient(plugin.addr)
  t.after(() => client.close())
  assert.deepEqual(await client.call('A.Trailing', {}), { Allow: true })
  for (const [method, message] of [['A.Empty', 'EOF'], ['A.Html', "invalid character '<' looking for beginning of value"], ['A.Cut', 'unexpected EOF']]) {
    await assert.rejects(client.call(method as string, {}), (err: unknown) => err instanceof PluginResponseError && err.message === message)
  }
})

test('§2.2 the body is Go\'s json.Encoder output: HTML-safe escapes and a trailing newline', async (t) => {
  const plugin = await startPlugin(t, { socketPath: join(tempDir(t), 'p.sock') })
  const client = new PluginClient(plugin.addr)
  t.after(() => client.close())
  await client.call('Test.Echo', { uri: '/a?x=<1>&y=2', sep: '\u2028' })
  assert.equal(plugin.requests[0]?.body, '{"uri":"/a?x=\\u003c1\\u003e\\u0026y=2","sep":"\\u2028"}\n')
})

test('§5.4 gzip replies are decoded on TCP, where Go asks for gzip', async (t) => {
  const plugin = await startPlugin(t, { tcp: true }, (_req, res) => {
    res.setHeader('Content-Encoding', 'gzip')
    res.end(gzipSync('{"Allow":true}'))
  })
  const client = new PluginClient(plugin.addr)
  t.after(() => client.close())
  assert.deepEqual(await client.call('AuthZPlugin.AuthZReq', {}), { Allow: true })
})

test('§5.4 unix addresses: `unix://var/...` dials the socket named by the host part, as Go does', async () => {
  const client = new PluginClient('unix://var/lib/docker/plugins/echo.sock')
  await assert.rejects(client.call('Plugin.Activate', undefined, { retry: false }), {
    message: 'Post "http://plugin.moby.localhost/Plugin.Activate": dial unix var: connect: no such file or directory',
  })
  const opaque = new PluginClient('localhost:8080')
  assert.equal(opaque.hostHeader, 'plugin.moby.localhost')
  assert.equal(opaque.scheme, 'http')
  assert.throws(() => new PluginClient('npipe:////./pipe/x'), { message: 'protocol not available' })
  assert.throws(() => new PluginClient(`unix:///${'x'.repeat(120)}`), (err: unknown) => err instanceof PluginClientConfigError && /is too long$/.test(err.message))
})

test('§5.4 TLS: CA file, client certificate, skip-verify, and verification against the default roots', async (t) => {
  const mutual = await startPlugin(t, { tls: pki.mutualTLS }, (_req, res, raw) => {
    const socket = raw.socket as import('node:tls').TLSSocket
    res.end(JSON.stringify({ client: socket.getPeerCertificate().subject?.CN }))
  })
  const withCert = new PluginClient(mutual.addr, { tlsConfig: tlsOptions({ CAFile: pki.caFile, CertFile: pki.clientCert, KeyFile: pki.clientKey }) })
  t.after(() => withCert.close())
  assert.deepEqual(await withCert.call('Who.Am', {}), { client: 'dockerd' })

  const server = await startPlugin(t, { tls: pki.serverTLS })
  const exclusive = new PluginClient(server.addr, { tlsConfig: tlsOptions({ CAFile: pki.caFile, ExclusiveRootPools: true }) })
  const skipping = new PluginClient(server.addr, { tlsConfig: { ...SKIP_VERIFY } })
  const defaultRoots = new PluginClient(server.addr, { tlsConfig: null })
  t.after(() => [exclusive, skipping, defaultRoots].forEach((c) => c.close()))
  assert.deepEqual(await exclusive.call('T.Echo', { ok: 1 }), { ok: 1 })
  assert.deepEqual(await skipping.call('T.Echo', { ok: 2 }), { ok: 2 })
  await assert.rejects(defaultRoots.call('T.Echo', {}, { retry: false }), {
    message: `Post "https://127.0.0.1:${server.port}/T.Echo": tls: failed to verify certificate: x509: certificate signed by unknown authority`,
  })
})

test('§5.4 TLS settings are checked when the client is made, whatever the scheme (moby NewClient)', () => {
  const cases: Array<[Partial<TLSOptions>, string]> = [
    [{ CAFile: '/nonexistent/ca.pem' }, 'could not read CA certificate "/nonexistent/ca.pem": open /nonexistent/ca.pem: no such file or directory'],
    [{ CAFile: pki.clientKey }, `failed to append certificates from PEM file: "${pki.clientKey}"`],
    [{ CertFile: pki.clientCert }, 'could not load X509 key pair: open : no such file or directory'],
    [{ CertFile: pki.clientCert, KeyFile: pki.serverKey }, 'could not load X509 key pair: tls: private key does not match public key'],
    [{ MinVersion: 0x0301 }, 'requested minimum TLS version is too low. Should be at-least: 303'],
    [{ MinVersion: 0x0999 }, 'invalid minimum TLS version: 999'],
  ]
  for (const [options, message] of cases) {
    assert.throws(() => new PluginClient('tcp://127.0.0.1:1', { tlsConfig: tlsOptions({ InsecureSkipVerify: options.CAFile === undefined, ...options }) }), { message })
  }
})
