/**
 * End to end, hot reload from file watching alone (no SIGHUP): the operator saves a policy file
 * and the very next docker command is decided by it. Kept apart from plugin-lifecycle.test.ts,
 * which triggers reloads with SIGHUP.
 */
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { DOCKER_CLI_20, startStack } from '../helpers/dockerd.js'
import type { Stack } from '../helpers/dockerd.js'
import { assertDecision, assertExit, errorText } from './support.js'

const BASE = `settings:
  default: deny
rules:
  - id: allow-everything
    effect: allow
`
const WATCHED = '50-watched.yaml'
const DENY_COLD = `rules:
  - id: cold-volumes
    effect: deny
    match: {methods: [POST], paths: ["/volumes/create"], body: {Name: "cold-*"}}
    message: cold volumes are switched off
`

let stack: Stack
before(async () => { stack = await startStack({ shipped: false, image: false, policies: { '00-base.yaml': BASE } }) })
after(async () => { await stack?.close() })

// Saving is all the operator does; the deadline covers the watcher's debounce and, where file
// events are lost, its periodic check (5 s by default).
const RELOAD_DEADLINE_MS = 15_000

test('a saved policy file is applied without a signal; a broken save keeps the previous decision', async () => {
  const docker = (args: string[]) => stack.dockerd.docker(DOCKER_CLI_20, args)
  assertExit(await docker(['volume', 'create', 'cold-1']), 0, 'docker volume create cold-1 before the edit')

  let mark = stack.plugin.mark()
  await writeFile(path.join(stack.policiesDir, WATCHED), DENY_COLD)
  const reloaded = await stack.plugin.waitForLog((l) => l.msg === 'policies reloaded', 'a reload from the file watcher', mark, RELOAD_DEADLINE_MS)
  mark = stack.plugin.mark()
  const denied = await docker(['volume', 'create', 'cold-2'])
  assertExit(denied, 1, 'docker volume create cold-2 after the edit')
  assert.equal(denied.stderr, errorText(stack.denied('cold volumes are switched off (rule cold-volumes)')))
  const d = await assertDecision(stack.plugin, mark, { method: 'POST', uri: /^\/v1\.41\/volumes\/create$/, allow: false, rule: 'cold-volumes' })
  assert.equal(d.revision, reloaded.revision)

  mark = stack.plugin.mark()
  await writeFile(path.join(stack.policiesDir, WATCHED), 'rules: [\n')
  const failed = await stack.plugin.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('policy reload failed'), 'a failed reload from the file watcher', mark, RELOAD_DEADLINE_MS)
  assert.equal(failed.serving, reloaded.revision)
  mark = stack.plugin.mark()
  const still = await docker(['volume', 'create', 'cold-3'])
  assertExit(still, 1, 'docker volume create cold-3 after the broken edit')
  assert.equal(still.stderr, errorText(stack.denied('cold volumes are switched off (rule cold-volumes)')))
  assert.equal((await assertDecision(stack.plugin, mark, { method: 'POST', uri: /^\/v1\.41\/volumes\/create$/, allow: false, rule: 'cold-volumes' })).revision, reloaded.revision)
})
