/**
 * Every payload captured from a real dockerd 20.10 (test/fixtures/dockerd, copied unchanged from
 * the shared captures) replayed against the real server on a Unix socket, reached through the
 * discovery client, with the shipped policies and with a strict test policy.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { repoPath } from '../helpers/paths.js'
import { startPlugin } from '../helpers/plugin-server.js'
import type { RunningPlugin } from '../helpers/plugin-server.js'

interface Fixture { name: string; description: string; http: { path: string }; payload: Record<string, unknown> | null }

const fixtures: Fixture[] = readdirSync(repoPath('test/fixtures/dockerd')).filter((f) => f.endsWith('.json')).sort()
  .map((f) => JSON.parse(readFileSync(repoPath('test/fixtures/dockerd', f), 'utf8')) as Fixture)

/** Under the shipped policies: what is denied, and by which rule. Everything else is allowed. */
const SHIPPED_DENIED: Record<string, string> = {
  req_body_over_1mib: 'no-host-volumes', // no body forwarded: absence of evidence
  req_container_create: 'no-host-root-mounts', // docker run -v /:/host
  req_container_create_legacy_toplevel: 'no-privileged', // Privileged/Binds at the top level
  req_container_create_privileged: 'no-privileged',
  req_container_start_v123_hostconfig: 'no-privileged', // a pre-1.24 start applies its body
}

/** Under the strict test policy below. */
const STRICT_DENIED: Record<string, string> = {
  req_absolute_form_uri: 'no-volume-names', // routed by its path
  req_body_over_1mib: 'no-volume-names',
  req_percent_encoded_bypass: 'no-volume-names', // %63reate is create
  req_volume_create_denied: 'no-volume-names',
  req_container_create_legacy_toplevel: 'no-privileged',
  req_container_create_privileged: 'no-privileged',
  req_container_start_v123_hostconfig: 'no-privileged',
  req_exec_create: 'no-exec',
  res_absolute_form_uri: 'no-created-volumes',
  res_version: 'hide-version',
  res_volume_create_201: 'no-created-volumes',
}

const STRICT_POLICY = {
  'strict.yaml': `
settings: {default: allow}
rules:
  - id: no-volume-names
    effect: deny
    match: {methods: [POST], paths: ["/volumes/create"], body: {Name: [denied, absform, "*"]}}
  - id: no-privileged
    effect: deny
    match: {container: {privileged: true}}
  - id: no-exec
    effect: deny
    match: {methods: [POST], paths: ["/containers/*/exec"]}
  - id: hide-version
    phase: response
    effect: deny
    match: {paths: ["/version"], status: [200]}
  - id: no-created-volumes
    phase: response
    effect: deny
    match: {paths: ["/volumes/create"], status: [201]}
`,
}

function replay(plugin: RunningPlugin, f: Fixture): Promise<unknown> {
  const method = f.http.path.slice(1)
  return plugin.call(method, f.payload)
}

for (const [label, policies, denied] of [
  ['shipped policies', undefined, SHIPPED_DENIED],
  ['strict test policy', STRICT_POLICY, STRICT_DENIED],
] as const) {
  describe(`fixtures – ${label}`, () => {
    let plugin: RunningPlugin
    before(async () => {
      plugin = await startPlugin(policies ? { policies } : { policiesDir: repoPath('policies') })
    })
    after(() => plugin.close())

    test('the captures are all here', () => {
      assert.equal(fixtures.length, 34)
    })
    for (const f of fixtures) {
      test(`${f.name}: ${f.description}`, async () => {
        const reply = await replay(plugin, f) as Record<string, unknown>
        if (f.http.path === '/Plugin.Activate') {
          assert.deepEqual(reply, { Implements: ['authz'] })
          return
        }
        const rule = denied[f.name]
        if (rule === undefined) {
          assert.deepEqual(reply, { Allow: true })
        } else {
          assert.equal(reply.Allow, false)
          assert.match(String(reply.Msg), new RegExp(`\\(rule ${rule}\\)$`))
        }
      })
    }
  })
}
