/**
 * Hot reload against the real server on a real socket: every kind of change is picked up and
 * seen through /AuthZPlugin.AuthZReq; broken edits keep the last good revision. Tests wait for the
 * store's events or poll the decision with a deadline; they never sleep a fixed time.
 */
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { mkdir, rename, rm, symlink, unlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { test } from 'node:test'
import { payload, startPlugin, tempDir, writeFiles } from '../helpers/plugin-server.js'
import type { RunningPlugin } from '../helpers/plugin-server.js'
import { waitFor } from '../helpers/cli.js'
import type { WatchOptions } from '../../src/store/watch.js'

const allow = (id: string, p = '/_ping'): string => `rules:\n  - id: ${id}\n    effect: allow\n    match: {paths: ["${p}"]}\n`
const deny = (id: string, p = '/_ping'): string => `rules:\n  - id: ${id}\n    effect: deny\n    match: {paths: ["${p}"]}\n    message: ${id} says no\n`
const FAST = { debounceMs: 20, maxDelayMs: 200, pollIntervalMs: 0 }

async function ping(plugin: RunningPlugin, uri = '/_ping'): Promise<{ Allow: boolean; Msg?: string }> {
  return (await plugin.call('AuthZPlugin.AuthZReq', payload('GET', uri))) as { Allow: boolean; Msg?: string }
}

/** Waits until the decision for GET `uri` is `expected` (allowed, or denied by that rule). */
async function decisionBecomes(plugin: RunningPlugin, expected: true | string, uri = '/_ping'): Promise<void> {
  await waitFor(`${uri} to be ${expected === true ? 'allowed' : `denied by ${expected}`}`, async () => {
    const r = await ping(plugin, uri)
    return expected === true ? r.Allow : !r.Allow && String(r.Msg).endsWith(`(rule ${expected})`)
  })
}

async function withPlugin(files: Record<string, string>, fn: (p: RunningPlugin) => Promise<void>, watch: WatchOptions = FAST): Promise<void> {
  const plugin = await startPlugin({ policies: files, watch })
  try {
    await fn(plugin)
  } finally {
    await plugin.close()
  }
}

test('reload – editing a file in place', () => withPlugin({ 'a.yaml': allow('a') }, async (p) => {
  assert.equal((await ping(p)).Allow, true)
  await writeFile(path.join(p.policiesDir, 'a.yaml'), deny('a-now-denies'))
  await decisionBecomes(p, 'a-now-denies')
}))

test('reload – creating a file', () => withPlugin({ 'a.yaml': allow('a') }, async (p) => {
  await writeFile(path.join(p.policiesDir, 'b.yaml'), deny('b'))
  await decisionBecomes(p, 'b')
}))

test('reload – deleting a file', () => withPlugin({ 'a.yaml': allow('a'), 'b.yaml': deny('b') }, async (p) => {
  assert.equal((await ping(p)).Allow, false)
  await unlink(path.join(p.policiesDir, 'b.yaml'))
  await decisionBecomes(p, true)
}))

test('reload – renaming a file out of the set and back', () => withPlugin({ 'a.yaml': allow('a'), 'b.yaml': deny('b') }, async (p) => {
  await rename(path.join(p.policiesDir, 'b.yaml'), path.join(p.policiesDir, 'b.yaml.disabled'))
  await decisionBecomes(p, true)
  await rename(path.join(p.policiesDir, 'b.yaml.disabled'), path.join(p.policiesDir, 'b.yaml'))
  await decisionBecomes(p, 'b')
}))

test('reload – write to a temporary file, then rename over the original (atomic save)', () => withPlugin({ 'a.yaml': allow('a') }, async (p) => {
  const temp = path.join(p.policiesDir, '.a.yaml.tmp')
  await writeFile(temp, deny('atomic'))
  await rename(temp, path.join(p.policiesDir, 'a.yaml'))
  await decisionBecomes(p, 'atomic')
}))

test('reload – a new subdirectory, then a change inside it', () => withPlugin({ 'a.yaml': allow('a') }, async (p) => {
  await mkdir(path.join(p.policiesDir, 'team'))
  await writeFile(path.join(p.policiesDir, 'team', 'x.yaml'), deny('team-x'))
  await decisionBecomes(p, 'team-x')
  await writeFile(path.join(p.policiesDir, 'team', 'x.yaml'), allow('team-x-allows'))
  await decisionBecomes(p, true)
  await writeFile(path.join(p.policiesDir, 'team', 'x.yaml'), deny('team-x-again'))
  await decisionBecomes(p, 'team-x-again')
}))

test('reload – editor swap files do not change the revision', () => withPlugin({ 'a.yaml': allow('a') }, async (p) => {
  const before = p.store.current().revision
  let reloads = 0
  p.store.on('reloaded', () => { reloads++ })
  await writeFile(path.join(p.policiesDir, '.a.yaml.swp'), 'garbage: [')
  await writeFile(path.join(p.policiesDir, 'a.yaml~'), 'garbage: [')
  await p.store.reload() // whatever the watcher did, a reload now sees the same set
  assert.equal(p.store.current().revision, before)
  assert.equal(reloads, 0)
  assert.equal(p.store.status().lastError, null)
}))

test('reload – a ConfigMap-style ..data symlink swap', async () => {
  const dir = await tempDir()
  const policies = path.join(dir, 'cm')
  await writeFiles(policies, { '..2024_01_01/policy.yaml': allow('v1') })
  await symlink('..2024_01_01', path.join(policies, '..data'))
  await symlink('..data/policy.yaml', path.join(policies, 'policy.yaml'))
  const p = await startPlugin({ policiesDir: policies, watch: FAST })
  try {
    assert.equal((await ping(p)).Allow, true)
    assert.deepEqual(p.store.current().files, [path.join(policies, 'policy.yaml')], 'the ..data files are not read twice')
    // What the kubelet does: a new timestamped directory, a new ..data link renamed over the old one.
    await writeFiles(policies, { '..2024_01_02/policy.yaml': deny('v2') })
    await symlink('..2024_01_02', path.join(policies, '..data_tmp'))
    await rename(path.join(policies, '..data_tmp'), path.join(policies, '..data'))
    await rm(path.join(policies, '..2024_01_01'), { recursive: true })
    await decisionBecomes(p, 'v2')
  } finally {
    await p.close()
  }
})

test('reload – the policy directory itself replaced through a symlink', async () => {
  const dir = await tempDir()
  await writeFiles(dir, { 'v1/a.yaml': allow('v1'), 'v2/a.yaml': deny('v2') })
  const current = path.join(dir, 'current')
  await symlink('v1', current)
  const p = await startPlugin({ policiesDir: current, watch: FAST })
  try {
    assert.equal((await ping(p)).Allow, true)
    await symlink('v2', path.join(dir, 'next'))
    await rename(path.join(dir, 'next'), current)
    await decisionBecomes(p, 'v2')
  } finally {
    await p.close()
  }
})

test('reload – with file-system events lost, the periodic content check picks changes up', () => withPlugin({ 'a.yaml': allow('a') }, async (p) => {
  await writeFile(path.join(p.policiesDir, 'a.yaml'), deny('polled'))
  await decisionBecomes(p, 'polled')
}, { ...FAST, events: false, pollIntervalMs: 50 }))

test('reload – a burst of writes gives one reload', () => withPlugin({ 'a.yaml': allow('a') }, async (p) => {
  let reloads = 0
  p.store.on('reloaded', () => { reloads++ })
  const done = once(p.store, 'reloaded')
  for (let i = 0; i < 20; i++) await writeFile(path.join(p.policiesDir, 'a.yaml'), i === 19 ? deny('final') : allow(`a${i}`))
  await done
  await decisionBecomes(p, 'final')
  assert.equal(reloads, 1)
}, { debounceMs: 150, maxDelayMs: 2000, pollIntervalMs: 0 }))

const BROKEN: Array<[string, (dir: string) => Promise<void>, RegExp]> = [
  ['a YAML syntax error', (d) => writeFile(path.join(d, 'a.yaml'), 'rules: [\n'), /a\.yaml:2:1: YAML syntax error/],
  ['an unknown key', (d) => writeFile(path.join(d, 'a.yaml'), 'rules:\n  - id: a\n    efect: deny\n'), /a\.yaml:3:5: unknown key "efect"/],
  ['a duplicate id across two files', (d) => writeFile(path.join(d, 'b.yaml'), deny('a')), /b\.yaml:2:5: duplicate rule id "a": also defined at .*a\.yaml:2:5/],
  ['an unreadable file', (d) => symlink(path.join(d, 'nowhere.yaml'), path.join(d, 'c.yaml')), /c\.yaml:1:1: cannot read .*ENOENT/],
  ['the whole directory removed', (d) => rm(d, { recursive: true }), /the policy directory .* does not exist/],
]

for (const [name, breakIt, error] of BROKEN) {
  test(`reload – ${name} keeps the last good revision, reports it once, and a fix recovers`, () => withPlugin({ 'a.yaml': deny('a') }, async (p) => {
    const good = p.store.current().revision
    const failures: Array<{ repeated: boolean }> = []
    p.store.on('reload-failed', (e) => failures.push(e))
    const failed = once(p.store, 'reload-failed')
    await breakIt(p.policiesDir)
    const [event] = await failed as [{ errors: Array<{ file: string; line: number; column: number; message: string }> }]
    assert.match(event.errors.map((e) => `${e.file}:${e.line}:${e.column}: ${e.message}`).join('\n'), error)
    assert.equal(p.store.current().revision, good)
    assert.equal((await ping(p)).Allow, false, 'the last good policy still decides')
    const status = p.store.status()
    assert.equal(status.revision, good)
    assert.ok(status.lastError && status.lastError.errors.length > 0)
    // More events for the same broken state are not new failures.
    await p.store.reload()
    assert.equal(failures.filter((f) => !f.repeated).length, 1)
    // The fix.
    await mkdir(p.policiesDir, { recursive: true })
    await rm(path.join(p.policiesDir, 'b.yaml'), { force: true })
    await rm(path.join(p.policiesDir, 'c.yaml'), { force: true })
    await writeFile(path.join(p.policiesDir, 'a.yaml'), allow('fixed'))
    await decisionBecomes(p, true)
    assert.equal(p.store.status().lastError, null)
  }))
}

test('reload – hundreds of reloads under continuous requests: none fails, each decided by one revision', () => withPlugin({ 'a.yaml': allow('old', '/info') }, async (p) => {
  const file = path.join(p.policiesDir, 'a.yaml')
  const OLD = { Allow: true }
  const NEW = { Allow: false, Msg: 'new says no (rule new)' }
  let stop = false
  let requests = 0
  const unexpected: unknown[] = []
  const client = async (): Promise<void> => {
    while (!stop) {
      try {
        const r = await ping(p, '/v1.41/info')
        requests++
        if (JSON.stringify(r) !== JSON.stringify(OLD) && JSON.stringify(r) !== JSON.stringify(NEW)) unexpected.push(r)
      } catch (e) {
        unexpected.push(String(e))
      }
    }
  }
  const clients = [client(), client(), client()]
  let reloads = 0
  p.store.on('reloaded', () => { reloads++ })
  for (let i = 0; i < 300; i++) {
    await writeFile(file, i % 2 === 0 ? deny('new', '/info') : allow('old', '/info'))
    await p.store.reload()
  }
  stop = true
  await Promise.all(clients)
  assert.ok(reloads >= 300, `only ${reloads} reloads`)
  assert.ok(requests > 300, `only ${requests} requests`)
  assert.deepEqual(unexpected, [])
}, { ...FAST, events: false }))

test('reload – a directory named like a policy file is not read as one', () => withPlugin({ 'a.yaml': allow('a') }, async (p) => {
  await mkdir(path.join(p.policiesDir, 'dir.yaml'))
  await p.store.reload()
  assert.equal(p.store.status().lastError, null)
}))
