/** check, eval and test: flags, exit codes, --json shapes and output streams (policy-language.md §8). */
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { before, describe, test } from 'node:test'
import { spawnSync } from 'node:child_process'
import { BIN, cli } from '../helpers/cli.js'
import { repoPath } from '../helpers/paths.js'
import { tempDir, writeFiles } from '../helpers/plugin-server.js'

const SHIPPED = repoPath('policies')
const INVALID = repoPath('test/fixtures/policies/invalid/ids')
const FIXTURES = repoPath('test/fixtures/dockerd')

describe('usage', () => {
  test('no command is a usage error with the usage printed', async () => {
    const r = await cli([])
    assert.equal(r.code, 2)
    assert.match(r.err, /usage: portcullis <command>/)
  })
  test('an unknown command is a usage error', async () => {
    const r = await cli(['frobnicate'])
    assert.equal(r.code, 2)
    assert.match(r.err, /unknown command "frobnicate"/)
  })
  test('an unknown flag is a usage error with the command\'s usage', async () => {
    const r = await cli(['check', '--policy', 'x'])
    assert.equal(r.code, 2)
    assert.match(r.err, /usage: portcullis check/)
  })
  test('--help prints the usage to stdout', async () => {
    const r = await cli(['eval', '--help'])
    assert.equal(r.code, 0)
    assert.match(r.out, /usage: portcullis eval/)
  })
})

describe('check', () => {
  test('the shipped policies are valid', async () => {
    const r = await cli(['check', '--policies', SHIPPED])
    assert.equal(r.code, 0, r.err)
    assert.match(r.out, /^valid: \d+ files, \d+ rules, revision [0-9a-f]{12}\n$/)
    assert.equal(r.err, '')
  })
  test('--json prints [] for a valid set', async () => {
    const r = await cli(['check', '--policies', SHIPPED, '--json'])
    assert.equal(r.code, 0)
    assert.deepEqual(JSON.parse(r.out), [])
  })
  test('an invalid set exits 3 with every error as FILE:LINE:COL on stderr', async () => {
    const r = await cli(['check', '--policies', INVALID])
    assert.equal(r.code, 3)
    const lines = r.err.trim().split('\n')
    assert.equal(lines.length, 5)
    assert.equal(lines[0], `${path.join(INVALID, 'a.yaml')}:2:5: a rule needs an \`id\` (letters, digits, "_", "." and "-"), unique in the set`)
    assert.match(lines.at(-1) as string, /4 errors/)
    assert.equal(r.out, '')
  })
  test('--json lists the errors as {file, line, column, message}', async () => {
    const r = await cli(['check', '--policies', INVALID, '--json'])
    assert.equal(r.code, 3)
    const errors = JSON.parse(r.out) as Array<Record<string, unknown>>
    assert.equal(errors.length, 4)
    assert.deepEqual(Object.keys(errors[0] as object).slice(0, 4), ['file', 'line', 'column', 'message'])
    assert.equal(errors[2]?.file, path.join(INVALID, 'b.yaml'))
  })
  test('FILE is the directory as given joined with the file\'s path', async () => {
    const r = await cli(['check', '--policies', 'test/fixtures/policies/invalid/ids/'])
    assert.match(r.err, /^test\/fixtures\/policies\/invalid\/ids\/a\.yaml:2:5: /)
  })
  test('PORTCULLIS_POLICIES names the directory when --policies is not given', async () => {
    const r = await cli(['check'], { env: { PORTCULLIS_POLICIES: INVALID } })
    assert.equal(r.code, 3)
  })
  test('a set that denies /_ping gets a lock-out warning but stays valid', async () => {
    const dir = await tempDir()
    await writeFiles(dir, { 'p.yaml': 'rules:\n  - id: admins\n    effect: allow\n    match: {users: [root]}\n' })
    const r = await cli(['check', '--policies', dir])
    assert.equal(r.code, 0)
    assert.match(r.err, /warning: GET \/_ping is denied/)
    assert.doesNotMatch(r.err, /locks everyone out/)
  })
  test('a path glob with * where dockerd takes names with / gets a warning', async () => {
    const dir = await tempDir()
    await writeFiles(dir, { 'p.yaml': 'rules:\n  - id: ping\n    effect: allow\n    match: {paths: ["/_ping"]}\n  - id: no-exec\n    effect: deny\n    match: {paths: ["/containers/*/exec"]}\n' })
    const r = await cli(['check', '--policies', dir])
    assert.equal(r.code, 0)
    assert.match(r.err, /p\.yaml:5: rule no-exec: path "\/containers\/\*\/exec" misses container names made by link aliases.*write "\/containers\/\*\*\/exec"/)
  })
  test('a quoted boolean in a body condition gets a warning', async () => {
    const dir = await tempDir()
    await writeFiles(dir, { 'p.yaml': 'rules:\n  - id: ping\n    effect: allow\n    match: {paths: ["/_ping"]}\n  - id: q\n    effect: deny\n    match: {body: {HostConfig.Privileged: "true"}}\n' })
    const r = await cli(['check', '--policies', dir])
    assert.equal(r.code, 0)
    assert.match(r.err, /rule q: body HostConfig\.Privileged expects the string "true", which never equals a JSON boolean; write true without quotes/)
  })
  test('problems in test suites are warnings of check', async () => {
    const dir = await tempDir()
    await writeFiles(dir, { 'p.yaml': 'rules:\n  - id: ping\n    effect: allow\n    match: {paths: ["/_ping"]}\n', 'p.test.yaml': 'tests:\n  - name: t\n    reqest: {method: GET, uri: /_ping}\n    expect: {allow: true}\n  - name: u\n    request: {method: GET, uri: /_ping}\n    expect: {allowed: true}\n' })
    const r = await cli(['check', '--policies', dir])
    assert.equal(r.code, 0)
    assert.match(r.err, /warning: .*p\.test\.yaml:3:5: unknown key "reqest" in a test; did you mean "request"\?/)
    assert.match(r.err, /unknown key "allowed" in expect; did you mean "allow"\?/)
    const t = await cli(['test', '--policies', dir, '--json'])
    assert.equal(t.code, 1)
    const out = JSON.parse(t.out) as { failed: number; tests: Array<{ pass: boolean; error?: string }> }
    assert.ok(out.failed >= 1)
    assert.equal(out.tests.length, out.failed, 'a test that cannot be read is listed as failed')
    assert.ok(out.tests.every((x) => !x.pass && typeof x.error === 'string'))
  })
  test('a missing policy directory says so and how to name another', async () => {
    const r = await cli(['check', '--policies', '/nonexistent/policies'])
    assert.equal(r.code, 3)
    assert.match(r.err, /the policy directory \/nonexistent\/policies does not exist; give another with --policies DIR/)
  })
  test('a set that admits nobody gets the lock-out warning', async () => {
    const dir = await tempDir()
    await writeFiles(dir, { 'p.yaml': 'rules:\n  - id: ping\n    effect: allow\n    match: {paths: ["/_ping"]}\n' })
    const r = await cli(['check', '--policies', dir])
    assert.equal(r.code, 0)
    assert.match(r.err, /locks everyone out/)
  })
})

describe('eval', () => {
  test('an allowed request exits 0', async () => {
    const r = await cli(['eval', '--policies', SHIPPED, '--method', 'GET', '--uri', '/v1.41/containers/json'])
    assert.equal(r.code, 0)
    assert.match(r.out, /^ALLOW GET \/containers\/json for anonymous/)
  })
  test('a denied request exits 1 and --json has the exact shape', async () => {
    const dir = await tempDir()
    await writeFiles(dir, { 'body.json': JSON.stringify({ Image: 'busybox', HostConfig: { Privileged: true } }) })
    const r = await cli(['eval', '--policies', SHIPPED, '--user', 'bob', '--method', 'post', '--uri', '/v1.41/containers/create?name=x&name=y', '--body', path.join(dir, 'body.json'), '--json'])
    assert.equal(r.code, 1)
    const out = JSON.parse(r.out) as Record<string, unknown>
    assert.deepEqual(Object.keys(out), ['allow', 'rule', 'message', 'source', 'revision', 'request'])
    assert.equal(out.allow, false)
    assert.equal(out.rule, 'no-privileged')
    assert.equal(out.message, 'privileged containers are not allowed (rule no-privileged)')
    const file = path.join(SHIPPED, '20-protect-host.yaml')
    const line = readFileSync(file, 'utf8').split('\n').findIndex((l) => l.includes('- id: no-privileged')) + 1
    assert.deepEqual(out.source, { file, line })
    assert.match(String(out.revision), /^[0-9a-f]{12}$/)
    assert.deepEqual(out.request, { user: 'bob', method: 'POST', path: '/containers/create', query: { name: ['x', 'y'] }, version: '1.41' })
  })
  test('an allow has an empty message', async () => {
    const r = await cli(['eval', '--policies', SHIPPED, '--method', 'HEAD', '--uri', '/_ping', '--json'])
    const out = JSON.parse(r.out) as Record<string, unknown>
    assert.equal(out.message, '')
    assert.equal(out.rule, 'allow-ping')
  })
  test('--body - reads the body from stdin', async () => {
    const r = await cli(['eval', '--policies', SHIPPED, '--method', 'POST', '--uri', '/containers/create', '--body', '-', '--json'], { stdin: '{"hostconfig":{"privileged":true}}' })
    assert.equal(r.code, 1)
    assert.equal((JSON.parse(r.out) as { rule: string }).rule, 'no-privileged')
  })
  test('--payload accepts a capture file whole', async () => {
    const r = await cli(['eval', '--policies', SHIPPED, '--payload', path.join(FIXTURES, 'req_container_create_legacy_toplevel.json'), '--json'])
    assert.equal(r.code, 1)
    assert.equal((JSON.parse(r.out) as { rule: string }).rule, 'no-privileged')
  })
  test('--payload accepts the payload object alone, from stdin', async () => {
    const r = await cli(['eval', '--policies', SHIPPED, '--payload', '-', '--json'], { stdin: JSON.stringify({ RequestMethod: 'POST', RequestUri: '/v1.41/volumes/%63reate', RequestBody: Buffer.from('{"Name":"x"}').toString('base64') }) })
    assert.equal(r.code, 0)
    assert.equal((JSON.parse(r.out) as { request: { path: string } }).request.path, '/volumes/create')
  })
  test('a response capture is evaluated in the response phase', async () => {
    const dir = await tempDir()
    await writeFiles(dir, { 'p.yaml': 'rules:\n  - id: hide\n    phase: response\n    effect: deny\n    match: {paths: ["/version"], status: [200]}\n' })
    const r = await cli(['eval', '--policies', dir, '--payload', path.join(FIXTURES, 'res_version.json')])
    assert.equal(r.code, 1)
    assert.match(r.out, /response phase/)
    const req = await cli(['eval', '--policies', dir, '--payload', path.join(FIXTURES, 'res_version.json'), '--phase', 'request'])
    assert.equal(req.code, 1)
    assert.match(req.out, /no rule applies: settings.default decides/)
  })
  test('--status evaluates the response phase with that status', async () => {
    const dir = await tempDir()
    await writeFiles(dir, { 'p.yaml': 'rules:\n  - id: hide\n    phase: response\n    effect: deny\n    match: {paths: ["/version"], status: [200]}\n' })
    const r = await cli(['eval', '--policies', dir, '--method', 'GET', '--uri', '/v1.41/version', '--status', '200', '--json'])
    assert.equal(r.code, 1)
    assert.equal((JSON.parse(r.out) as { rule: string }).rule, 'hide')
    const other = await cli(['eval', '--policies', dir, '--method', 'GET', '--uri', '/v1.41/version', '--status', '500'])
    assert.equal(other.code, 0)
    assert.match(other.out, /no response rule applies: responses are allowed/)
    assert.equal((await cli(['eval', '--policies', dir, '--method', 'GET', '--uri', '/x', '--status', '200', '--phase', 'request'])).code, 2)
  })
  test('--explain says why each rule applied or not, and what the body said', async () => {
    const r = await cli(['eval', '--policies', SHIPPED, '--payload', path.join(FIXTURES, 'req_container_create.json'), '--explain'])
    assert.equal(r.code, 1)
    assert.match(r.out, /applies deny  no-host-root-mounts/)
    assert.match(r.out, /skipped deny  no-privileged .*container is not privileged/)
    assert.match(r.out, /read from the body: .*"hostMounts":\["\/"\]/)
  })
  test('--explain --json adds the trace', async () => {
    const r = await cli(['eval', '--policies', SHIPPED, '--method', 'GET', '--uri', '/info', '--explain', '--json'])
    const out = JSON.parse(r.out) as { explain: { rules: Array<{ rule: string; applied: boolean }> } }
    assert.ok(out.explain.rules.some((x) => x.rule === 'allow-reads' && x.applied))
  })
  test('invalid policies exit 3', async () => {
    const r = await cli(['eval', '--policies', INVALID, '--method', 'GET', '--uri', '/info'])
    assert.equal(r.code, 3)
  })
  test('missing --uri is a usage error', async () => {
    const r = await cli(['eval', '--policies', SHIPPED, '--method', 'GET'])
    assert.equal(r.code, 2)
    assert.match(r.err, /give --method and --uri/)
  })
  test('--payload with --method is a usage error', async () => {
    const r = await cli(['eval', '--policies', SHIPPED, '--method', 'GET', '--payload', '-'])
    assert.equal(r.code, 2)
  })
  test('a malformed payload is a usage error naming the problem', async () => {
    const r = await cli(['eval', '--policies', SHIPPED, '--payload', '-'], { stdin: '{"RequestMethod":"GET"}' })
    assert.equal(r.code, 2)
    assert.match(r.err, /RequestUri is missing/)
  })
  test('a rejected URI is denied with the reason', async () => {
    const r = await cli(['eval', '--policies', SHIPPED, '--method', 'GET', '--uri', '/v1.41//info', '--json'])
    assert.equal(r.code, 1)
    const out = JSON.parse(r.out) as { rule: null; message: string }
    assert.equal(out.rule, null)
    assert.match(out.message, /empty segment/)
  })
  test('a reader that closes the pipe early (| head -c1) ends it quietly, with no stack trace', () => {
    const script = `printf '%s' '{"Image":"busybox","HostConfig":{"Privileged":true}}' | "${process.execPath}" "${BIN}" eval --policies "${SHIPPED}" --method POST --uri /v1.41/containers/create --explain --body - | head -c1; echo " status=$?"`
    const r = spawnSync('sh', ['-c', script], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
    assert.equal(r.stderr, '')
    assert.equal(r.stdout, 'D status=0\n')
  })
})

describe('test', () => {
  let failing: string
  before(async () => {
    failing = await tempDir()
    await writeFiles(failing, {
      'p.yaml': 'rules:\n  - id: ping\n    effect: allow\n    match: {paths: ["/_ping"]}\n',
      'p.test.yaml': 'tests:\n  - name: ping is allowed\n    request: {method: GET, uri: /_ping}\n    expect: {allow: true, rule: ping}\n  - name: wrong expectation\n    request: {method: GET, uri: /info}\n    expect: {allow: true}\n',
    })
  })
  test('the shipped suites pass', async () => {
    const r = await cli(['test', '--policies', SHIPPED])
    assert.equal(r.code, 0, r.out + r.err)
    assert.match(r.out, / 0 failed\n$/)
  })
  test('a failing test exits 1 and says what differed', async () => {
    const r = await cli(['test', '--policies', failing])
    assert.equal(r.code, 1)
    assert.match(r.out, /PASS .*ping is allowed/)
    assert.match(r.out, /FAIL .*wrong expectation/)
    assert.match(r.out, /1 passed, 1 failed/)
  })
  test('--json has the exact shape', async () => {
    const r = await cli(['test', '--policies', failing, '--json'])
    assert.equal(r.code, 1)
    const out = JSON.parse(r.out) as { passed: number; failed: number; tests: Array<Record<string, unknown>> }
    assert.equal(out.passed, 1)
    assert.equal(out.failed, 1)
    assert.deepEqual(Object.keys(out.tests[0] as object), ['file', 'name', 'pass', 'expected', 'actual'])
    assert.deepEqual(out.tests[1]?.actual, { allow: false, rule: null, message: 'no rule allows GET /info for anonymous' })
    assert.equal(out.tests[0]?.file, path.join(failing, 'p.test.yaml'))
  })
  test('invalid policies exit 3', async () => {
    const r = await cli(['test', '--policies', INVALID])
    assert.equal(r.code, 3)
  })
})
