/** The README's emergency procedure, followed step by step against a running server. */
import assert from 'node:assert/strict'
import { mkdir, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { test } from 'node:test'
import { run, withServedSet } from '../helpers/cli.js'

test('emergency – a set that denies everything is replaced atomically and reloaded without the Docker API', () =>
  withServedSet({ 'lockout.yaml': 'rules:\n  - id: deny-everything\n    effect: deny\n    message: locked\n' }, [], async ({ policies, socket, ask }) => {
    assert.deepEqual(await ask('GET', '/_ping'), { Allow: false, Msg: 'locked (rule deny-everything)' })

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
    assert.match(reloaded.out, /^reloaded: serving revision [0-9a-f]{12}( \(unchanged\))?\n$/, 'the watcher may have loaded it first')
    assert.deepEqual(await ask('GET', '/_ping'), { Allow: true })
  }))

test('reload – an invalid set is reported with its errors, exit 3, and the old set stays', () =>
  withServedSet({ 'a.yaml': 'rules:\n  - id: ping\n    effect: allow\n    match: {paths: ["/_ping"]}\n' }, [], async ({ dir, policies, socket, ask }) => {
    await writeFile(path.join(policies, 'a.yaml'), 'rules:\n  - id: ping\n    efect: allow\n')
    const r = await run(['reload', '--socket', socket])
    assert.equal(r.code, 3)
    assert.match(r.err, /a\.yaml:3:5: unknown key "efect" in a rule; did you mean "effect"\?/)
    assert.match(r.err, /still serving revision [0-9a-f]{12}/)
    assert.deepEqual(await ask('GET', '/_ping'), { Allow: true })
    const unreachable = await run(['reload', '--socket', path.join(dir, 'nobody.sock')])
    assert.equal(unreachable.code, 1)
    assert.match(unreachable.err, /cannot reach the server/)
  }))
