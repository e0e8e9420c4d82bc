/** §11 E 54–61, 63, 64: activation and the store, with moby's concurrency rules (moby `plugin_test.go`, EV). */
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import type { ServerResponse } from 'node:http'
import {
  InvalidPluginNameError, LocalRegistry, Plugin, PluginCallError, PluginClient, PluginNotFoundError, PluginNotImplementsError,
  Plugins, PluginTransportError, type Clock, type Registry,
} from '../../src/discovery/index.js'
import { defaultHandler, fakeClock, heldClock, settledWithin, startPlugin, tempDir, waitFor, type FakePlugin } from './support.js'

interface Setup {
  dir: string
  registry: LocalRegistry
  plugins: Plugins
  logs: string[]
}

function setup(t: TestContext, clock: Clock = fakeClock()): Setup {
  const dir = tempDir(t)
  const registry = new LocalRegistry({ socketDir: dir, specDirs: [dir] })
  const logs: string[] = []
  const plugins = new Plugins({ registry, clock, log: (line) => logs.push(line) })
  t.after(() => plugins.close())
  return { dir, registry, plugins, logs }
}

async function socketPlugin(t: TestContext, dir: string, name: string, implementsList: string[]): Promise<FakePlugin> {
  return startPlugin(t, { socketPath: join(dir, `${name}.sock`) }, defaultHandler(implementsList))
}

/** A registry that counts finished lookups, to know when a concurrent caller has reached the store. */
function countingRegistry(inner: Registry): Registry & { resolved: () => number } {
  let resolved = 0
  return {
    resolved: () => resolved,
    scan: () => inner.scan(),
    resolve: async (name) => {
      const spec = await inner.resolve(name)
      resolved++
      return spec
    },
  }
}

/** A plugin whose `Plugin.Activate` replies wait in `held` until the test answers them. */
async function slowActivatePlugin(t: TestContext, listen: { socketPath: string } | { tcp: true }) {
  const held: ServerResponse[] = []
  const plugin = await startPlugin(t, listen, (req, res) => {
    if (req.url === '/Plugin.Activate') held.push(res)
    else res.end(req.body)
  })
  return { plugin, held }
}

test('E54 – handle() on an activated plugin does not deadlock waitActive', async (t) => {
  const { dir, plugins } = setup(t)
  await socketPlugin(t, dir, 'qwerty', ['bananas'])
  const plugin = await plugins.get('qwerty', 'bananas')
  assert.equal(await settledWithin(plugin.waitActive(), 100), null)
  plugins.handle('bananas', () => {})
  assert.equal(await settledWithin(plugin.waitActive(), 100), null)
  assert.equal(await settledWithin(plugins.get('qwerty', 'bananas'), 100), plugin)
})

test('E55 – a failed activation does not block waiters, early or late', async (t) => {
  const server = await startPlugin(t, { tcp: true }, (_req, res) => {
    res.statusCode = 500
    res.end('{"Err":"some junk happened"}')
  })
  const plugin = new Plugin({ name: 'bad', addr: server.addr, tlsConfig: null, kind: 'spec', path: '-' })
  t.after(() => plugin.client?.close())
  const early = plugin.waitActive()
  await assert.rejects(plugin.activate(), { message: 'Plugin.Activate: some junk happened' })
  const earlyResult = await settledWithin(early, 100)
  assert.ok(earlyResult instanceof PluginCallError)
  assert.equal(await settledWithin(plugin.waitActive(), 100), earlyResult)
  assert.equal(plugin.activated, false)
})

test('E56 – get outcomes: the plugin, ErrNotImplements (still cached), ErrNotFound after the lookup budget', async (t) => {
  const clock = fakeClock()
  const { dir, plugins, logs } = setup(t, clock)
  const fruit = await socketPlugin(t, dir, 'fruit', ['apple'])
  const plugin = await plugins.get('fruit', 'apple')
  assert.equal(plugin.name, 'fruit')
  assert.deepEqual(plugin.manifest, { Implements: ['apple'] })
  await assert.rejects(plugins.get('fruit', 'banana'), (err: unknown) => {
    assert.ok(err instanceof PluginNotImplementsError)
    assert.equal(err.message, 'Plugin does not implement the requested driver: plugin="fruit", requested implementation="banana"')
    return true
  })
  assert.equal(fruit.count('/Plugin.Activate'), 1)
  await assert.rejects(plugins.get('this-plugin-does-not-exist', 'no-such-implementation'), PluginNotFoundError)
  assert.deepEqual(clock.sleeps, [1000, 2000, 4000, 8000]) // attempts at 0, 1, 3, 7, 15 s
  assert.equal(logs[0], 'Unable to locate plugin: this-plugin-does-not-exist, retrying in 1s')
  await assert.rejects(plugins.get('', 'authz'), { name: 'InvalidPluginNameError', message: 'Unable to find plugin without name' })
  await assert.rejects(plugins.get('../fruit', 'apple'), InvalidPluginNameError)
})

test('E57 – lazy handshake: get sends exactly one POST /Plugin.Activate and returns its manifest', async (t) => {
  const { dir, plugins } = setup(t)
  const fruit = await socketPlugin(t, dir, 'fruit', ['apple'])
  assert.equal(fruit.requests.length, 0)
  const plugin = await plugins.get('fruit', 'apple')
  assert.deepEqual(fruit.requests.map((r) => [r.method, r.url, r.body, r.headers['content-length']]), [['POST', '/Plugin.Activate', '', '0']])
  assert.deepEqual(plugin.manifest, { Implements: ['apple'] })
  assert.ok(plugin.client instanceof PluginClient)
})

test('E58 – getAll returns exactly the plugins implementing the interface', async (t) => {
  const { dir, plugins } = setup(t)
  const example = await startPlugin(t, { tcp: true }, defaultHandler(['apple']))
  writeFileSync(join(dir, 'example.json'), JSON.stringify({ Name: 'example', Addr: `tcp://127.0.0.1:${example.port}` }))
  await socketPlugin(t, dir, 'other', ['banana'])
  writeFileSync(join(dir, 'broken.spec'), 'tcp://127.0.0.1:1')
  const found = await plugins.getAll('apple')
  assert.deepEqual(found.map((p) => [p.name, p.addr]), [['example', `tcp://127.0.0.1:${example.port}`]])
})

test('E59 – one Plugin.Activate across many sequential and concurrent uses', async (t) => {
  const { dir, plugins } = setup(t)
  const volume = await socketPlugin(t, dir, 'vol', ['VolumeDriver'])
  for (let i = 0; i < 10; i++) {
    const plugin = await plugins.get('vol', 'VolumeDriver')
    await plugin.client.call('VolumeDriver.Mount', { Name: `v${i}` })
  }
  await Promise.all(Array.from({ length: 10 }, async (_, i) => (await plugins.get('vol', 'VolumeDriver')).client.call('VolumeDriver.Remove', { Name: `v${i}` })))
  assert.equal(volume.count('/Plugin.Activate'), 1)
  assert.equal(volume.requests.length, 21)
})

test('E60 – lookup retry until the plugin appears: found on the next attempt, one activation', async (t) => {
  const server = await startPlugin(t, { tcp: true }, defaultHandler(['VolumeDriver']))
  let writtenAt = -1
  const clock = fakeClock((_ms, now) => {
    if (writtenAt < 0 && now >= 2000) {
      writeFileSync(join(dir, 'late.spec'), `tcp://127.0.0.1:${server.port}`)
      writtenAt = now
    }
  })
  const { dir, plugins } = setup(t, clock)
  const plugin = await plugins.get('late', 'VolumeDriver')
  assert.equal(plugin.name, 'late')
  assert.deepEqual(clock.sleeps, [1000, 2000])
  assert.ok(clock.elapsed() - writtenAt <= 8000)
  assert.equal(server.count('/Plugin.Activate'), 1)
})

test('E61 – a plugin that is down does not block lookups of other plugins', async (t) => {
  const clock = heldClock()
  const { dir, plugins } = setup(t, clock)
  writeFileSync(join(dir, 'down.spec'), 'tcp://127.0.0.7:9999')
  await socketPlugin(t, dir, 'up', ['VolumeDriver'])
  let downSettled = false
  const down = plugins.get('down', 'VolumeDriver').finally(() => { downSettled = true })
  await waitFor(() => clock.sleeping() === 1, 'the down plugin to be retrying')
  const up = await settledWithin(plugins.get('up', 'VolumeDriver'), 5000)
  assert.notEqual(up, 'pending')
  assert.equal(downSettled, false)
  plugins.close()
  await assert.rejects(down, (err: unknown) => {
    assert.ok(err instanceof PluginTransportError)
    assert.equal(err.message, 'Post "http://127.0.0.7:9999/Plugin.Activate": dial tcp 127.0.0.7:9999: connect: connection refused')
    return true
  })
})

test('E63 – handlers run lazily at the next activation; one flag per plugin re-runs them all', async (t) => {
  const { dir, plugins } = setup(t)
  await socketPlugin(t, dir, 'h', ['authz', 'VolumeDriver'])
  const calls: string[] = []
  plugins.handle('authz', (name, client) => {
    assert.ok(client instanceof PluginClient)
    calls.push(`H1:${name}`)
  })
  await plugins.get('h', 'authz')
  assert.deepEqual(calls, ['H1:h'])
  await plugins.get('h', 'authz')
  assert.deepEqual(calls, ['H1:h'])
  plugins.handle('VolumeDriver', (name) => { calls.push(`H2:${name}`) })
  assert.deepEqual(calls, ['H1:h'])
  await plugins.get('h', 'VolumeDriver')
  assert.deepEqual(calls, ['H1:h', 'H1:h', 'H2:h'])
  plugins.handle('authz', (name) => { calls.push(`H3:${name}`) })
  assert.equal((await plugins.getAll('authz')).length, 1) // getAll takes stored plugins as they are
  assert.deepEqual(calls, ['H1:h', 'H1:h', 'H2:h'])
  await plugins.get('h', 'authz')
  assert.deepEqual(calls, ['H1:h', 'H1:h', 'H2:h', 'H1:h', 'H3:h', 'H2:h'])
})

test('E64 – concurrent gets share one handshake; after a failed one the next get looks up afresh', async (t) => {
  const { dir, registry } = setup(t)
  const counting = countingRegistry(registry)
  const plugins = new Plugins({ registry: counting, clock: fakeClock() })
  t.after(() => plugins.close())
  const { plugin: slow, held } = await slowActivatePlugin(t, { socketPath: join(dir, 'slow.sock') })
  const both = Promise.all([plugins.get('slow', 'authz'), plugins.get('slow', 'authz')])
  await waitFor(() => held.length === 1 && counting.resolved() === 2, 'one handshake in flight and both callers in the store')
  held[0]?.end('{"Implements":["authz"]}')
  const [first, second] = await both
  assert.equal(first, second)
  assert.equal(slow.count('/Plugin.Activate'), 1)

  const failing = await startPlugin(t, { tcp: true }, (_req, res) => {
    res.statusCode = 500
    res.end('{"Err":"starting"}')
  })
  const healthy = await startPlugin(t, { tcp: true }, defaultHandler(['authz']))
  writeFileSync(join(dir, 'flaky.spec'), failing.addr)
  await assert.rejects(plugins.get('flaky', 'authz'), { message: 'Plugin.Activate: starting' })
  writeFileSync(join(dir, 'flaky.spec'), healthy.addr)
  assert.equal((await plugins.get('flaky', 'authz')).addr, healthy.addr)
  assert.deepEqual([failing.count('/Plugin.Activate'), healthy.count('/Plugin.Activate')], [1, 1])
})

test('§5.6 quirk: a caller already waiting on a failed handshake retries it on the unstored plugin', async (t) => {
  const { dir, registry } = setup(t)
  const counting = countingRegistry(registry)
  const plugins = new Plugins({ registry: counting, clock: fakeClock() })
  t.after(() => plugins.close())
  const { plugin, held } = await slowActivatePlugin(t, { socketPath: join(dir, 'q.sock') })
  const first = plugins.get('q', 'authz')
  const second = plugins.get('q', 'authz')
  await waitFor(() => held.length === 1 && counting.resolved() === 2, 'both callers in the store')
  held[0]?.writeHead(500).end('{"Err":"not yet"}')
  await assert.rejects(first, { message: 'Plugin.Activate: not yet' })
  await waitFor(() => held.length === 2, 'the waiting caller to retry the handshake')
  held[1]?.end('{"Implements":["authz"]}')
  const survivor = await second
  const third = plugins.get('q', 'authz')
  await waitFor(() => held.length === 3, 'a fresh lookup and handshake for the next get')
  held[2]?.end('{"Implements":["authz"]}')
  assert.notEqual(await third, survivor)
  assert.equal(plugin.count('/Plugin.Activate'), 3)
})

test('§5.6 the path the server tests take: socket in a temp dir → get → AuthZReq; a 500 is a PluginCallError', async (t) => {
  const dir = tempDir(t)
  await startPlugin(t, { socketPath: join(dir, 'portcullis.sock') }, (req, res) => {
    if (req.url === '/Plugin.Activate') return void res.end('{"Implements":["authz"]}')
    res.statusCode = 500
    res.end(JSON.stringify({ Err: `no rule for ${JSON.parse(req.body).RequestURI}` }))
  })
  const plugins = new Plugins({ registry: new LocalRegistry({ socketDir: dir, specDirs: [] }) })
  t.after(() => plugins.close())
  const plugin = await plugins.get('portcullis', 'authz')
  await assert.rejects(plugin.client.call('AuthZPlugin.AuthZReq', { RequestMethod: 'GET', RequestURI: '/_ping' }), (err: unknown) => {
    assert.ok(err instanceof PluginCallError)
    assert.equal(err.status, 500)
    assert.equal(err.message, 'AuthZPlugin.AuthZReq: no rule for /_ping')
    return true
  })
})

test('§5.6 manifests as Go decodes them: null implements nothing, a non-JSON reply fails activation', async (t) => {
  const { dir, plugins } = setup(t)
  const replies: Record<string, string> = { nothing: 'null', folded: '{"implements":["authz"]}', html: '<html>', wrong: '{"Implements":"authz"}' }
  for (const [name, reply] of Object.entries(replies)) {
    await startPlugin(t, { socketPath: join(dir, `${name}.sock`) }, (_req, res) => res.end(reply))
  }
  assert.deepEqual((await plugins.load('nothing')).manifest, { Implements: [] })
  assert.deepEqual((await plugins.get('folded', 'authz')).manifest, { Implements: ['authz'] })
  await assert.rejects(plugins.get('html', 'authz'), { name: 'PluginResponseError', message: "invalid character '<' looking for beginning of value" })
  await assert.rejects(plugins.get('wrong', 'authz'), {
    name: 'PluginResponseError', message: 'json: cannot unmarshal string into Go struct field Manifest.Implements of type []string',
  })
})
