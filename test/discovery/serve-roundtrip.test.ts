/**
 * The round trip: `portcullis serve --listen tcp://…` announces itself with a spec file, and
 * `portcullis plugins get/ls/call` find and activate it from that file as dockerd would. Kept apart
 * from cli.test.ts because it starts the real server (fastify, pino, the policy store).
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import { runPlugins } from '../../src/cli/commands/plugins.js'
import { runServe } from '../../src/cli/commands/serve.js'
import { memoryIO } from '../../src/cli/io.js'
import { tempDir, waitFor } from './support.js'

async function run(args: string[]) {
  const io = memoryIO()
  const code = await runPlugins(args, io)
  return { code, out: io.out(), err: io.err() }
}

test('serve --listen tcp:// writes a spec file that plugins get/ls/call find and activate as dockerd would', async (t) => {
  const root = tempDir(t)
  const specs = join(root, 'etc')
  const policies = join(root, 'policies')
  mkdirSync(policies)
  writeFileSync(join(policies, 'ping.yaml'), [
    'settings:', '  default: deny', 'rules:', '  - id: allow-ping', '    effect: allow', '    match:', '      methods: [GET]', '      paths: ["/_ping"]', '',
  ].join('\n'))
  const handlers = new Map<string, () => void>()
  const signals = { on: (signal: string, handler: () => void) => { handlers.set(signal, handler); return () => handlers.delete(signal) } }
  const serveIO = memoryIO()
  const serving = runServe(['--listen', 'tcp://127.0.0.1:0', '--spec-dir', specs, '--policies', policies, '--log-level', 'silent'], serveIO, signals)
  t.after(async () => {
    handlers.get('SIGTERM')?.()
    await serving
  })
  await waitFor(() => existsSync(join(specs, 'portcullis.spec')) && handlers.has('SIGTERM'), 'the spec file', 5000)
  const address = readFileSync(join(specs, 'portcullis.spec'), 'utf8').trim()
  assert.match(address, /^tcp:\/\/127\.0\.0\.1:\d+$/)
  const dirs = ['--socket-dir', join(root, 'run'), '--spec-dir', specs, '--retry-budget', '1']

  const got = await run(['get', 'portcullis', '--implements', 'authz', '--json', ...dirs])
  assert.equal(got.err, '')
  assert.equal(got.code, 0)
  assert.deepEqual(JSON.parse(got.out), { name: 'portcullis', addr: address, kind: 'spec', path: join(specs, 'portcullis.spec'), manifest: { Implements: ['authz'] } })
  const listed = await run(['ls', '--json', ...dirs])
  assert.deepEqual(JSON.parse(listed.out).map((row: { name: string, implements?: string[] }) => [row.name, row.implements]), [['portcullis', ['authz']]])
  const called = await run(['call', 'portcullis', 'AuthZPlugin.AuthZReq', '--data', '{"RequestMethod":"GET","RequestUri":"/_ping"}', ...dirs])
  assert.equal(called.code, 0)
  assert.equal(JSON.parse(called.out).Allow, true)

  handlers.get('SIGTERM')?.()
  assert.equal(await serving, 0)
  assert.equal(existsSync(join(specs, 'portcullis.spec')), false)
})
