/** `portcullis plugins ls|get|call` through runPlugins with a memory IO, against real fake plugins. */
import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test, type TestContext } from 'node:test'
import { runPlugins } from '../../src/cli/commands/plugins.js'
import { memoryIO } from '../../src/cli/io.js'
import { defaultHandler, startPlugin, tempDir } from './support.js'

interface Layout {
  sockets: string
  specs: string
  dirs: string[]
}

function layout(t: TestContext): Layout {
  const root = tempDir(t)
  const sockets = join(root, 'run')
  const specs = join(root, 'etc')
  mkdirSync(sockets)
  mkdirSync(specs)
  return { sockets, specs, dirs: ['--socket-dir', sockets, '--spec-dir', specs, '--retry-budget', '0'] }
}

async function run(args: string[], env: Record<string, string> = {}) {
  const io = memoryIO(env)
  const code = await runPlugins(args, io)
  return { code, out: io.out(), err: io.err() }
}

test('plugins ls: every plugin with address, where it was found, and what it implements or why it failed', async (t) => {
  const { sockets, specs, dirs } = layout(t)
  await startPlugin(t, { socketPath: join(sockets, 'portcullis.sock') }, defaultHandler(['authz']))
  const volume = await startPlugin(t, { tcp: true }, defaultHandler(['VolumeDriver']))
  writeFileSync(join(specs, 'volumes.spec'), `tcp://127.0.0.1:${volume.port}`)
  writeFileSync(join(specs, 'broken.spec'), '/not/a/url')
  writeFileSync(join(specs, 'down.json'), JSON.stringify({ Addr: 'tcp://127.0.0.7:9999' }))

  const listed = await run(['ls', '--json', ...dirs])
  assert.equal(listed.code, 0)
  assert.deepEqual(JSON.parse(listed.out), [
    { name: 'portcullis', addr: `unix://${join(sockets, 'portcullis.sock')}`, kind: 'socket', path: join(sockets, 'portcullis.sock'), implements: ['authz'] },
    { name: 'broken', error: 'Unknown protocol' },
    { name: 'down', addr: 'tcp://127.0.0.7:9999', kind: 'json', path: join(specs, 'down.json'),
      error: 'Post "http://127.0.0.7:9999/Plugin.Activate": dial tcp 127.0.0.7:9999: connect: connection refused' },
    { name: 'volumes', addr: `tcp://127.0.0.1:${volume.port}`, kind: 'spec', path: join(specs, 'volumes.spec'), implements: ['VolumeDriver'] },
  ])

  const table = await run(['ls', '--implements', 'authz', ...dirs])
  assert.equal(table.code, 0)
  const lines = table.out.trimEnd().split('\n')
  assert.match(lines[0] ?? '', /^NAME\s+ADDRESS\s+FOUND AT\s+IMPLEMENTS$/)
  assert.deepEqual(lines.slice(1).map((line) => line.split(/\s{2,}/)[0]), ['portcullis', 'broken', 'down'])
  assert.match(lines[1] ?? '', /\s{2}authz$/)
  assert.match(lines[2] ?? '', /\s{2}error: Unknown protocol$/)
})

test('plugins ls: nothing found is said on stderr, with the directories looked at (rootless defaults from the env)', async (t) => {
  const { sockets } = layout(t)
  const { code, out, err } = await run(['ls', '--socket-dir', sockets], { ROOTLESSKIT_STATE_DIR: '/run/user/1000/dockerd-rootless', HOME: join(sockets, 'home') })
  assert.equal(code, 0)
  assert.equal(out, '')
  assert.equal(err, `no plugins found (socket directory ${sockets}; spec directories /etc/docker/plugins, ${join(sockets, 'home')}/.local/lib/docker/plugins)\n`)
})

test('plugins get: activates as dockerd would and prints the manifest (text and --json)', async (t) => {
  const { sockets, dirs } = layout(t)
  const plugin = await startPlugin(t, { socketPath: join(sockets, 'portcullis.sock') }, defaultHandler(['authz']))
  const text = await run(['get', 'portcullis', ...dirs])
  assert.equal(text.code, 0)
  assert.equal(text.out, `name:       portcullis\naddress:    unix://${join(sockets, 'portcullis.sock')}\nfound at:   ${join(sockets, 'portcullis.sock')} (socket)\nimplements: authz\n`)
  const json = await run(['get', 'portcullis', '--implements', 'authz', '--json', ...dirs])
  assert.equal(json.code, 0)
  assert.deepEqual(JSON.parse(json.out).manifest, { Implements: ['authz'] })
  assert.equal(plugin.count('/Plugin.Activate'), 2) // one per process, as each dockerd start
})

test('plugins get: exit 1 with dockerd\'s own error text', async (t) => {
  const { sockets, specs, dirs } = layout(t)
  await startPlugin(t, { socketPath: join(sockets, 'volumes.sock') }, defaultHandler(['VolumeDriver']))
  writeFileSync(join(specs, 'bad.spec'), 'localhost')
  const cases: Array<[string[], string]> = [
    [['get', 'nope'], 'failed to validate authorization plugin: plugin "nope" not found\n'],
    [['get', 'volumes'], 'failed to validate authorization plugin: legacy plugin: Plugin does not implement the requested driver: plugin="volumes", requested implementation="authz"\n'],
    [['get', 'bad'], 'failed to validate authorization plugin: legacy plugin: Unknown protocol\n'],
    [['get', 'nope', '--implements', 'VolumeDriver'], 'plugin "nope" not found\n'],
  ]
  for (const [args, message] of cases) {
    const { code, out, err } = await run([...args, ...dirs])
    assert.equal(code, 1, args.join(' '))
    assert.equal(out, '')
    assert.equal(err, message)
  }
})

test('plugins call: one call with --data JSON or @FILE, the reply printed; a failed call exits 1', async (t) => {
  const { sockets, dirs } = layout(t)
  const plugin = await startPlugin(t, { socketPath: join(sockets, 'portcullis.sock') }, (req, res) => {
    if (req.url === '/Plugin.Activate') return void res.end('{"Implements":["authz"]}')
    const body = req.body === '' ? {} : JSON.parse(req.body)
    if (body.RequestURI === '/deny') {
      res.statusCode = 500
      return void res.end('{"Err":"boom"}')
    }
    res.end(JSON.stringify({ Allow: true, Msg: `saw ${body.RequestMethod ?? 'nothing'}` }))
  })
  const inline = await run(['call', 'portcullis', 'AuthZPlugin.AuthZReq', '--data', '{"RequestMethod":"GET","RequestURI":"/_ping"}', ...dirs])
  assert.equal(inline.code, 0)
  assert.deepEqual(JSON.parse(inline.out), { Allow: true, Msg: 'saw GET' })
  const file = join(sockets, 'payload.json')
  writeFileSync(file, '{"RequestMethod":"POST","RequestURI":"/deny"}')
  const failed = await run(['call', 'portcullis', 'AuthZPlugin.AuthZReq', '--data', `@${file}`, ...dirs])
  assert.equal(failed.code, 1)
  assert.equal(failed.err, 'AuthZPlugin.AuthZReq: boom (HTTP 500)\n')
  const empty = await run(['call', 'portcullis', 'AuthZPlugin.AuthZReq', ...dirs])
  assert.equal(empty.code, 0)
  assert.equal(plugin.requests.at(-1)?.body, '')
})

test('plugins: usage errors print the usage to stderr and exit 2; --help exits 0', async () => {
  const cases = [
    [], ['nope'], ['ls', '--bogus'], ['ls', 'extra'], ['get'], ['get', 'a', 'b'], ['call', 'a'],
    ['get', 'a', '--retry-budget', 'soon'], ['call', 'a', 'M', '--data', '{not json'], ['call', 'a', 'M', '--data', '@/nonexistent/file'],
  ]
  for (const args of cases) {
    const { code, out, err } = await run(args)
    assert.equal(code, 2, args.join(' '))
    assert.equal(out, '')
    assert.match(err, /^portcullis: .+\n\nusage: portcullis plugins ls/, args.join(' '))
  }
  const help = await run(['--help'])
  assert.equal(help.code, 0)
  assert.match(help.out, /^usage: portcullis plugins ls \[--implements IFACE\] \[--json\]/)
})
