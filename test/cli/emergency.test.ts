/** The README's emergency procedure, followed step by step against a running server. */
import assert from 'node:assert/strict'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { test } from 'node:test'
import { payload, rawRequest, tempDir, writeFiles } from '../helpers/plugin-server.js'
import { run, serve, socketAccepts, waitFor } from '../helpers/cli.js'

test('emergency – a set that denies everything is replaced atomically and reloaded without the Docker API', async () => {
  const root = await tempDir()
  const policies = path.join(root, 'policies')
  await writeFiles(policies, { 'lockout.yaml': 'rules:\n  - id: deny-everything\n    effect: deny\n    message: locked\n' })
  const socket = path.join(root, 'portcullis.sock')
  const server = serve(['--policies', policies, '--socket', socket])
  try {
    await waitFor('the socket', () => socketAccepts(socket))
    const ping = () => rawRequest(socket, 'POST', '/AuthZPlugin.AuthZReq', JSON.stringify(payload('GET', '/_ping')))
    assert.deepEqual((await ping()).json, { Allow: false, Msg: 'locked (rule deny-everything)' })

    // 1. See what is denied and why.
    const explained = await run(['eval', '--policies', policies, '--method', 'GET', '--uri', '/_ping', '--explain'])
    assert.equal(explained.code, 1)
    assert.match(explained.out, /applies deny  deny-everything/)
    const checked = await run(['check', '--policies', policies])
    assert.equal(checked.code, 0)
    assert.match(checked.err, /warning: GET \/_ping is denied/)

    // 2. A permissive set in place of the broken one, atomically, then reload.
    const emergency = `${policies}.emergency`
    await mkdir(emergency)
    await writeFile(path.join(emergency, '00-emergency.yaml'), 'settings: {default: allow}\n')
    assert.equal((await run(['check', '--policies', emergency])).code, 0)
    await rename(policies, `${policies}.broken`)
    await rename(emergency, policies)
    const reloaded = await run(['reload', '--socket', socket])
    assert.equal(reloaded.code, 0, reloaded.err)
    assert.match(reloaded.out, /^reloaded: serving revision [0-9a-f]{12}( \(unchanged\))?\n$/, "the watcher may have loaded it first")
    assert.deepEqual((await ping()).json, { Allow: true })
  } finally {
    server.child.kill('SIGTERM')
  }
  assert.equal(await server.exit, 0)
})

test('reload – an invalid set is reported with its errors, exit 3, and the old set stays', async () => {
  const root = await tempDir()
  const policies = path.join(root, 'policies')
  await writeFiles(policies, { 'a.yaml': 'rules:\n  - id: ping\n    effect: allow\n    match: {paths: ["/_ping"]}\n' })
  const socket = path.join(root, 'p.sock')
  const server = serve(['--policies', policies, '--socket', socket])
  try {
    await waitFor('the socket', () => socketAccepts(socket))
    await writeFile(path.join(policies, 'a.yaml'), 'rules:\n  - id: ping\n    efect: allow\n')
    const r = await run(['reload', '--socket', socket])
    assert.equal(r.code, 3)
    assert.match(r.err, /a\.yaml:3:5: unknown key "efect" in a rule; did you mean "effect"\?/)
    assert.match(r.err, /still serving revision [0-9a-f]{12}/)
    const ping = await rawRequest(socket, 'POST', '/AuthZPlugin.AuthZReq', JSON.stringify(payload('GET', '/_ping')))
    assert.deepEqual(ping.json, { Allow: true })
    const unreachable = await run(['reload', '--socket', path.join(root, 'nobody.sock')])
    assert.equal(unreachable.code, 1)
    assert.match(unreachable.err, /cannot reach the server/)
  } finally {
    server.child.kill('SIGTERM')
  }
  assert.equal(await server.exit, 0)
})
