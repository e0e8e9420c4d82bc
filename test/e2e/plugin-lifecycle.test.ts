/**
 * End to end, the plugin's life next to a running dockerd, with policies this test writes:
 * response-phase denies (what the client sees, and that the action already happened), hot reload
 * on SIGHUP seen through the docker CLI (a broken edit keeps the previous decision), a stub plugin
 * under the same name answering errors, and — last, because it costs dockerd's ~15 s retry budget —
 * the plugin stopped (dockerd fails closed) and started again (calls recover, dockerd untouched).
 */
import assert from 'node:assert/strict'
import { writeFile, rm } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { dockerClis, startStack } from '../helpers/dockerd.js'
import type { DockerCli, Stack } from '../helpers/dockerd.js'
import { assertDecision, assertExit, errorText } from './support.js'

const BASE = `settings:
  default: deny
rules:
  - id: allow-everything
    effect: allow

  - id: hide-version
    phase: response
    effect: deny
    match:
      methods: [GET]
      paths: ["/version", "/containers/secret-*/json"]
    message: this is not for you

  - id: refuse-after-the-fact
    phase: response
    effect: deny
    match:
      methods: [POST]
      paths: ["/volumes/create"]
      body: {Name: "after-*"}
    message: refused after the fact
`
const RELOAD_FILE = '50-reload.yaml'
const BEFORE_RELOAD = `rules:
  - id: hot-volumes
    effect: deny
    match: {methods: [POST], paths: ["/volumes/create"], body: {Name: "never-*"}}
    message: not yet
`
const AFTER_RELOAD = `rules:
  - id: hot-volumes
    effect: deny
    match: {methods: [POST], paths: ["/volumes/create"], body: {Name: "hot-*"}}
    message: hot volumes are switched off
`
const BROKEN = `rules:
  - id: hot-volumes
    effect: allow
    match: {methods: [POST], paths: ["/volumes/create"
`

let stack: Stack
// No file watching and no periodic check: here only SIGHUP reloads (hot-reload-watch.test.ts
// covers watching).
before(async () => { stack = await startStack({ shipped: false, policies: { '00-base.yaml': BASE, [RELOAD_FILE]: BEFORE_RELOAD }, serveArgs: ['--no-watch', '--poll-interval', '0'] }) })
after(async () => { await stack?.close() })

const docker = (cli: DockerCli, args: string[]) => stack.dockerd.docker(cli.path, args)
const clis = dockerClis()
const cli20 = clis[0] as DockerCli

describe('response phase: a deny after dockerd answered', () => {
  for (const cli of clis) {
    test(`docker ${cli.label} version: the client section prints, the server's answer is replaced by the deny`, async () => {
      const mark = stack.plugin.mark()
      const r = await docker(cli, ['version'])
      assertExit(r, 1, 'docker version')
      assert.match(r.stdout, /^Client:/)
      assert.doesNotMatch(r.stdout, /Server:/)
      assert.equal(r.stderr, errorText(stack.denied('this is not for you (rule hide-version)')))
      await assertDecision(stack.plugin, mark, { method: 'GET', uri: /^\/v1\.41\/version$/, allow: true, rule: 'allow-everything' })
      await assertDecision(stack.plugin, mark, { phase: 'response', method: 'GET', uri: /^\/v1\.41\/version$/, allow: false, rule: 'hide-version' })
    })
  }

  test('raw GET /version: HTTP 403 with the message, the version JSON is not delivered', async () => {
    const r = await stack.dockerd.curl([], 'http://localhost/v1.41/version')
    assert.equal(r.status, 403)
    assert.deepEqual(JSON.parse(r.body), { message: stack.denied('this is not for you (rule hide-version)') })
  })

  test('a response-phase deny comes after the action: the client sees the deny, the volume exists', async () => {
    const mark = stack.plugin.mark()
    const r = await docker(cli20, ['volume', 'create', 'after-1'])
    assertExit(r, 1, 'docker volume create')
    assert.equal(r.stderr, errorText(stack.denied('refused after the fact (rule refuse-after-the-fact)')))
    await assertDecision(stack.plugin, mark, { phase: 'response', method: 'POST', uri: /^\/v1\.41\/volumes\/create$/, allow: false, rule: 'refuse-after-the-fact' })
    assert.equal(await stack.dockerd.volumeExists('after-1'), true)
  })

  test('an error reply of the handler (404) reaches the client even though the response rule matches', async () => {
    assertExit(await docker(cli20, ['create', '--name', 'secret-1', 'portcullis-test', 'true']), 0, 'docker create')
    const denied = await docker(cli20, ['inspect', '--type', 'container', 'secret-1'])
    assertExit(denied, 1, 'docker inspect secret-1')
    assert.equal(denied.stderr, errorText(stack.denied('this is not for you (rule hide-version)')))
    const mark = stack.plugin.mark()
    const missing = await docker(cli20, ['inspect', '--type', 'container', 'secret-none'])
    assertExit(missing, 1, 'docker inspect secret-none')
    assert.equal(missing.stderr, 'Error: No such container: secret-none\n')
    await assertDecision(stack.plugin, mark, { phase: 'response', method: 'GET', uri: /^\/v1\.41\/containers\/secret-none\/json$/, allow: false, rule: 'hide-version' })
  })
})

describe('hot reload seen through the docker CLI (kill -HUP)', () => {
  const file = () => path.join(stack.policiesDir, RELOAD_FILE)
  let first: string

  test('allowed before the edit', async () => {
    const mark = stack.plugin.mark()
    const r = await docker(cli20, ['volume', 'create', 'hot-1'])
    assertExit(r, 0, 'docker volume create hot-1')
    assert.equal(r.stdout, 'hot-1\n')
    first = (await assertDecision(stack.plugin, mark, { method: 'POST', uri: /^\/v1\.41\/volumes\/create$/, allow: true, rule: 'allow-everything' })).revision
  })

  let second: string
  test('denied once the server logs "policies reloaded"', async () => {
    const mark = stack.plugin.mark()
    await writeFile(file(), AFTER_RELOAD)
    stack.plugin.sighup()
    const reloaded = await stack.plugin.waitForLog((l) => l.msg === 'policies reloaded' && l.revision !== first, 'the reload', mark)
    second = reloaded.revision as string
    assert.equal(reloaded.previous, first)
    for (const cli of clis) {
      const at = stack.plugin.mark()
      const r = await docker(cli, ['volume', 'create', `hot-2-${cli.label}`])
      assertExit(r, 1, `docker ${cli.label} volume create`)
      assert.equal(r.stderr, errorText(stack.denied('hot volumes are switched off (rule hot-volumes)')))
      const d = await assertDecision(stack.plugin, at, { method: 'POST', uri: /^\/v1\.41\/volumes\/create$/, allow: false, rule: 'hot-volumes' })
      assert.equal(d.revision, second)
      assert.equal(await stack.dockerd.volumeExists(`hot-2-${cli.label}`), false)
    }
  })

  test('a broken edit keeps the previous decision', async () => {
    const mark = stack.plugin.mark()
    await writeFile(file(), BROKEN)
    stack.plugin.sighup()
    const failed = await stack.plugin.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('policy reload failed'), 'the failed reload', mark)
    assert.equal(failed.serving, second)
    const at = stack.plugin.mark()
    const r = await docker(cli20, ['volume', 'create', 'hot-3'])
    assertExit(r, 1, 'docker volume create hot-3')
    assert.equal(r.stderr, errorText(stack.denied('hot volumes are switched off (rule hot-volumes)')))
    assert.equal((await assertDecision(stack.plugin, at, { method: 'POST', uri: /^\/v1\.41\/volumes\/create$/, allow: false, rule: 'hot-volumes' })).revision, second)
    // Repaired (with a comment, so that it is a new revision and the reload is logged), so that
    // the restart below starts from valid files.
    const fixed = stack.plugin.mark()
    await writeFile(file(), `# repaired\n${AFTER_RELOAD}`)
    stack.plugin.sighup()
    await stack.plugin.waitForLog((l) => l.msg === 'policies reloaded', 'the repaired reload', fixed)
  })
})

/** A stand-in plugin on the same socket: dockerd does not re-activate, it just calls the address. */
async function stubPlugin(socket: string, reply: (call: string, body: Record<string, unknown>, res: ServerResponse) => void): Promise<() => Promise<void>> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let data = ''
    req.on('data', (d: Buffer) => { data += d })
    req.on('end', () => reply(req.url ?? '', data ? JSON.parse(data) as Record<string, unknown> : {}, res))
  })
  await rm(socket, { force: true })
  await new Promise<void>((resolve) => server.listen(socket, resolve))
  return async () => {
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
    await rm(socket, { force: true })
  }
}

const json = (res: ServerResponse, status: number, body: unknown): void => {
  res.writeHead(status, { 'content-type': 'application/json' }).end(typeof body === 'string' ? body : JSON.stringify(body))
}

describe('a stub plugin under the same name answers with errors', () => {
  let closeStub: (() => Promise<void>) | undefined
  type Mode = 'req500' | 'res500' | '200-err' | '200-allow-err' | '200-not-json' | '404-text'
  let mode: Mode = 'req500'
  before(async () => {
    assert.equal(await stack.plugin.stop(), 0, 'portcullis shuts down cleanly on SIGTERM')
    closeStub = await stubPlugin(stack.plugin.socket, (call, _body, res) => {
      const request = call === '/AuthZPlugin.AuthZReq'
      switch (mode) {
        case 'req500': return request ? json(res, 500, { Err: 'stub says no' }) : json(res, 200, { Allow: true })
        case 'res500': return request ? json(res, 200, { Allow: true }) : json(res, 500, { Allow: false, Err: 'something went wrong...' })
        case '200-err': return request ? json(res, 200, { Err: 'an error' }) : json(res, 200, { Allow: true })
        case '200-allow-err': return json(res, 200, { Allow: true, Err: 'ignored' })
        case '200-not-json': return request ? json(res, 200, 'not json') : json(res, 200, { Allow: true })
        case '404-text': return request ? res.writeHead(404, { 'content-type': 'text/plain' }).end('404 page not found\n') : json(res, 200, { Allow: true })
      }
    })
  })
  after(async () => { await closeStub?.() })

  for (const cli of clis) {
    test(`HTTP 500 {"Err"} in the request phase: what docker ${cli.label} prints`, async () => {
      mode = 'req500'
      const r = await docker(cli, ['volume', 'ls'])
      assertExit(r, 1, 'docker volume ls')
      assert.equal(r.stderr, errorText(`plugin ${stack.plugin.name} failed with error: AuthZPlugin.AuthZReq: stub says no`))
    })
  }

  const raw: Array<{ mode: Mode; status: number; message: string | null }> = [
    { mode: 'req500', status: 500, message: 'plugin NAME failed with error: AuthZPlugin.AuthZReq: stub says no' },
    { mode: 'res500', status: 500, message: 'plugin NAME failed with error: AuthZPlugin.AuthZRes: something went wrong...' },
    { mode: '200-err', status: 403, message: 'authorization denied by plugin NAME: ' },
    { mode: '200-allow-err', status: 200, message: null },
    { mode: '404-text', status: 500, message: 'plugin NAME failed with error: AuthZPlugin.AuthZReq: 404 page not found\n' },
  ]
  for (const c of raw) {
    test(`stub answers ${c.mode}: HTTP ${c.status}`, async () => {
      mode = c.mode
      const r = await stack.dockerd.curl([], 'http://localhost/v1.41/version')
      assert.equal(r.status, c.status, r.body)
      if (c.message === null) assert.match(r.body, /"ApiVersion":"1\.41"/)
      else assert.deepEqual(JSON.parse(r.body), { message: c.message.replace('NAME', stack.plugin.name) })
    })
  }

  test('stub answers 200 with a body that is not JSON: HTTP 500 with the JSON error', async () => {
    mode = '200-not-json'
    const r = await stack.dockerd.curl([], 'http://localhost/v1.41/version')
    assert.equal(r.status, 500)
    assert.match((JSON.parse(r.body) as { message: string }).message, new RegExp(`^plugin ${stack.plugin.name} failed with error: invalid character 'o' in literal null`))
  })
})

describe('the plugin stopped and started again (last: dockerd retries for ~15 s)', () => {
  test('stopped: dockerd fails closed with a 500 after its retries; restarted: calls recover, dockerd untouched', async () => {
    const dockerdPid = stack.dockerd.pid
    assert.ok(dockerdPid)
    assert.equal(stack.plugin.pid, undefined, 'the plugin is down (the stub is gone too)')
    const started = Date.now()
    const expected = `plugin ${stack.plugin.name} failed with error: Post "http://%2Frun%2Fdocker%2Fplugins%2F${stack.plugin.name}.sock/AuthZPlugin.AuthZReq": dial unix ${stack.plugin.socket}: connect: no such file or directory`
    // The CLIs and a raw request at once: each waits out dockerd's retry budget.
    const [raw, ...byCli] = await Promise.all([
      stack.dockerd.curl([], 'http://localhost/v1.41/volumes'),
      ...clis.map((cli) => docker(cli, ['volume', 'ls'])),
    ])
    const elapsed = Date.now() - started
    assert.equal(raw.status, 500)
    assert.deepEqual(JSON.parse(raw.body), { message: expected })
    for (const [i, r] of byCli.entries()) {
      assertExit(r, 1, `docker ${clis[i]?.label} volume ls`)
      assert.equal(r.stderr, errorText(expected))
    }
    assert.ok(elapsed > 10_000, `dockerd retried before failing (${elapsed} ms)`)
    assert.equal(stack.dockerd.pid, dockerdPid, 'dockerd kept running')

    await stack.plugin.restart()
    const mark = stack.plugin.mark()
    for (const cli of clis) {
      const r = await docker(cli, ['volume', 'ls', '-q'])
      assertExit(r, 0, `docker ${cli.label} volume ls after the restart`)
      assert.match(r.stdout, /^after-1$/m)
    }
    await assertDecision(stack.plugin, mark, { method: 'GET', uri: /^\/v1\.41\/volumes$/, allow: true, rule: 'allow-everything' })
    assert.equal(stack.dockerd.pid, dockerdPid, 'the same dockerd, no restart and no new handshake')
  })
})
