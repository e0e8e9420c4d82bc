/**
 * End to end, bypass attempts: raw API requests with curl on dockerd's socket, spelled the ways
 * dockerd 20.10 still executes (/tmp/research/uri-spellings.md and dockerd-body-experiments.md
 * measured each on this dockerd), and a few docker CLI re-spellings. Every attempt that dockerd
 * would execute must be denied like its canonical spelling, and the object must not exist
 * afterwards. The plugin runs on TCP, announced by a spec file in /etc/docker/plugins (the second
 * transport), with the shipped policies plus one rule this test writes.
 */
import assert from 'node:assert/strict'
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { DOCKER_CLI_20, dockerClis, startStack } from '../helpers/dockerd.js'
import type { Stack } from '../helpers/dockerd.js'
import { TEST_IMAGE } from '../helpers/test-image.js'
import { assertDecision, assertExit, assertNoPluginErrors, errorText, RESERVED_CONTAINER_NAMES, runErrorText } from './support.js'

const MSG = {
  'no-privileged': 'privileged containers are not allowed',
  'no-host-root-mounts': 'bind mounts of the host\'s system directories are not allowed',
  'no-host-namespaces': 'sharing the host\'s namespaces is not allowed',
  'no-dangerous-capabilities': 'adding this capability is not allowed',
  'no-devices': 'host devices are not allowed',
  'no-unconfined-security': 'disabling container confinement is not allowed',
  'no-host-volumes': 'volumes that mount the host\'s files, disks or kernel filesystems are not allowed',
  'no-debug-endpoints': 'dockerd\'s debug endpoints are for admins',
  'no-plugin-management': 'managing plugins is not allowed',
  'no-mounts-of-the-gate': 'mounting Docker\'s or Portcullis\' own files is not allowed',
  'no-joining-containers': 'sharing another container\'s namespaces or volumes is not allowed',
  'e2e-reserved-container-names': 'container names starting with forbidden- are reserved',
} as const
type Rule = keyof typeof MSG

let stack: Stack
let links: string
let specFile: string
before(async () => {
  stack = await startStack({ policies: RESERVED_CONTAINER_NAMES, transport: 'tcp' })
  specFile = stack.plugin.specFile
  // Symlinks on the host, made by the caller: the kernel follows them when it mounts.
  links = path.join(stack.dir, 'links')
  mkdirSync(links)
  symlinkSync('/', path.join(links, 'root'))
  symlinkSync('/etc', path.join(links, 'etc'))
})
after(async () => {
  await stack?.close()
  assert.equal(existsSync(specFile), false, 'the spec file is removed with the plugin')
})

let counter = 0
const unique = (prefix: string): string => `${prefix}-${++counter}`

/** A raw request with curl: `target` is sent exactly as written (`--request-target`). */
function send(method: string, target: string, body?: string | Buffer, headers: string[] = body === undefined ? [] : ['Content-Type: application/json']) {
  const args = ['-X', method, ...headers.flatMap((h) => ['-H', h]), '--request-target', target]
  if (body !== undefined) args.push('--data-binary', '@-')
  return stack.dockerd.curl(args, 'http://localhost/', body)
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** dockerd's error text: JSON `{"message"}`, or plain text for API versions before 1.24. */
function errorMessage(body: string): string {
  return body.startsWith('{') ? (JSON.parse(body) as { message: string }).message : body.replace(/\n$/, '')
}

/**
 * Sends the request and checks the deny: HTTP 403 with the rule's message as dockerd words it,
 * and the plugin's logged decision on exactly this RequestUri.
 */
async function attempt(method: string, target: string, body: string | Buffer | undefined, rule: Rule, headers?: string[]): Promise<void> {
  const mark = stack.plugin.mark()
  const r = await send(method, target, body, headers)
  assert.equal(r.status, 403, `HTTP ${r.status}: ${r.body}`)
  assert.equal(errorMessage(r.body), stack.denied(`${MSG[rule]} (rule ${rule})`))
  await assertDecision(stack.plugin, mark, { method, uri: new RegExp(`^${escape(target)}$`), allow: false, rule })
}

const hostBindVolume = (name: string, device = '/') => JSON.stringify({ Name: name, Driver: 'local', DriverOpts: { type: 'none', o: 'bind', device } })

describe('volume create: every path spelling dockerd routes to it is denied like the canonical one', () => {
  const executed = [
    '/v1.41/volumes/create', '/volumes/create', '/v1.41.0/volumes/create', '/v1.40/volumes/create', '/v1.12/volumes/create',
    '/v1.41./volumes/create', '/v01.41/volumes/create', '/v1.041/volumes/create', '/v1.40.99/volumes/create',
    '/v1.41/volumes/%63reate', '/v1.41/volumes%2Fcreate', '/v1.41%2Fvolumes/create', '/v%31.41/volumes/create',
    '/%761.41/volumes/create', '/v1.41/%76olumes/create', '/v1.41/volumes/create?x=1',
    'http://x/v1.41/volumes/create', 'HTTP://x/v1.41/volumes/create', 'foo+bar://x/v1.41/volumes/create',
    'http:/v1.41/volumes/create', 'http:///v1.41/volumes/create', 'http://u:p@x/v1.41/volumes/create',
    'http://[::1]/v1.41/volumes/create', 'http://x/v1.41/volumes/%63reate',
  ]
  for (const target of executed) {
    test(`POST ${target} (host bind of /)`, async () => {
      const name = unique('bindvol')
      await attempt('POST', target, hostBindVolume(name), 'no-host-volumes')
      assert.equal(await stack.dockerd.volumeExists(name), false, 'the volume was not created')
    })
  }

  // Spellings dockerd redirects or cannot route: nothing is executed, whatever the plugin says.
  const notExecuted = [
    { target: '/v1.41//volumes/create', status: 301 },
    { target: '/v1.41/volumes/create/', status: 404 },
    { target: '/V1.41/volumes/create', status: 404 },
    { target: '/v1.41/volumes/%43reate', status: 404 },
    { target: '/v1.99/volumes/create', status: 403 },
  ]
  for (const { target, status } of notExecuted) {
    test(`POST ${target} is not executed (HTTP ${status})`, async () => {
      const name = unique('nonvol')
      const r = await send('POST', target, hostBindVolume(name))
      assert.equal(r.status, status, r.body)
      assert.equal(await stack.dockerd.volumeExists(name), false)
    })
  }
})

describe('volume create: re-spelled host binds in the body', () => {
  const cases: Array<{ name: string; body: (n: string) => string }> = [
    { name: 'lower-case field names', body: (n) => JSON.stringify({ name: n, driver: 'local', driveropts: { type: 'none', o: 'bind', device: '/' } }) },
    { name: 'no driver, o=rbind with type=ext4', body: (n) => JSON.stringify({ Name: n, DriverOpts: { type: 'ext4', o: 'rbind', device: '/' } }) },
    { name: 'empty driver, device //etc/../', body: (n) => JSON.stringify({ Name: n, Driver: '', DriverOpts: { type: 'none', o: 'bind', device: '//etc/../' } }) },
    { name: 'o=ro,bind of /etc', body: (n) => JSON.stringify({ Name: n, DriverOpts: { type: 'none', o: 'ro,bind', device: '/etc' } }) },
    { name: 'device: a symlink to / in a temp dir', body: (n) => hostBindVolume(n, path.join(links, 'root')) },
    { name: 'device: a symlink to /etc, then .. (the kernel resolves it to /)', body: (n) => hostBindVolume(n, `${path.join(links, 'etc')}/..`) },
    { name: 'duplicate DriverOpts key, the last o=bind wins', body: (n) => `{"Name":"${n}","DriverOpts":{"type":"none","o":"nosuid","device":"/","o":"bind"}}` },
  ]
  for (const c of cases) {
    test(c.name, async () => {
      const name = unique('bindvol')
      await attempt('POST', '/v1.41/volumes/create', c.body(name), 'no-host-volumes')
      assert.equal(await stack.dockerd.volumeExists(name), false)
    })
  }

  test('docker volume create -o type=none -o o=bind -o device=/', async () => {
    const name = unique('clivol')
    const mark = stack.plugin.mark()
    const r = await stack.dockerd.docker(DOCKER_CLI_20, ['volume', 'create', '-o', 'type=none', '-o', 'o=bind', '-o', 'device=/', name])
    assertExit(r, 1, 'docker volume create')
    assert.equal(r.stderr, errorText(stack.denied(`${MSG['no-host-volumes']} (rule no-host-volumes)`)))
    await assertDecision(stack.plugin, mark, { method: 'POST', uri: /^\/v1\.41\/volumes\/create$/, allow: false, rule: 'no-host-volumes' })
    assert.equal(await stack.dockerd.volumeExists(name), false)
  })
})

describe('container create: re-spelled host configurations are denied', () => {
  const I = TEST_IMAGE
  const big = (extra: Record<string, unknown>) => JSON.stringify({ Image: I, ...extra, Labels: { pad: 'x'.repeat(1_100_000) } })
  const cases: Array<{ name: string; body: string | (() => string); rule: Rule; headers?: string[] }> = [
    { name: 'canonical HostConfig.Privileged', body: JSON.stringify({ Image: I, HostConfig: { Privileged: true } }), rule: 'no-privileged' },
    { name: 'lower-case {"hostconfig":{"privileged":true}}', body: `{"Image":"${I}","hostconfig":{"privileged":true}}`, rule: 'no-privileged' },
    { name: 'duplicate key, the last true wins', body: `{"Image":"${I}","HostConfig":{"Privileged":false,"Privileged":true}}`, rule: 'no-privileged' },
    { name: 'a second hostconfig object merges', body: `{"Image":"${I}","HostConfig":{"Privileged":true},"hostconfig":{"Memory":8000000}}`, rule: 'no-privileged' },
    { name: 'a later null does not reset a bool', body: `{"Image":"${I}","HostConfig":{"Privileged":true,"Privileged":null}}`, rule: 'no-privileged' },
    { name: 'top-level Privileged and Binds, no HostConfig', body: JSON.stringify({ Image: I, Privileged: true, Binds: ['/:/host'] }), rule: 'no-privileged' },
    { name: 'top-level Binds only, no HostConfig', body: JSON.stringify({ Image: I, Binds: ['/:/host'] }), rule: 'no-host-root-mounts' },
    { name: 'HostConfig null and top-level privileged', body: `{"Image":"${I}","HostConfig":null,"privileged":true}`, rule: 'no-privileged' },
    { name: 'HostConfig reset to null after a harmless one', body: `{"Image":"${I}","HostConfig":{"Privileged":false},"Privileged":true,"HostConfig":null}`, rule: 'no-privileged' },
    { name: 'Content-Type with a charset', body: JSON.stringify({ Image: I, HostConfig: { Privileged: true } }), rule: 'no-privileged', headers: ['Content-Type: application/json; charset=utf-8'] },
    { name: 'trailing bytes after the JSON value', body: `{"Image":"${I}","HostConfig":{"Privileged":true}} junk`, rule: 'no-privileged' },
    { name: 'Binds //:/host', body: JSON.stringify({ Image: I, HostConfig: { Binds: ['//:/host'] } }), rule: 'no-host-root-mounts' },
    { name: 'Binds /etc/..:/host', body: JSON.stringify({ Image: I, HostConfig: { Binds: ['/etc/..:/host'] } }), rule: 'no-host-root-mounts' },
    { name: 'Binds /./:/host', body: JSON.stringify({ Image: I, HostConfig: { Binds: ['/./:/host'] } }), rule: 'no-host-root-mounts' },
    { name: 'Binſ with a long s (Go folds ſ to s)', body: `{"Image":"${I}","HostConfig":{"Bindſ":["/:/host"]}}`, rule: 'no-host-root-mounts' },
    { name: 'Mounts type=bind source //etc/..', body: JSON.stringify({ Image: I, HostConfig: { Mounts: [{ Type: 'bind', Source: '//etc/..', Target: '/host' }] } }), rule: 'no-host-root-mounts' },
    { name: 'Mounts re-sent: a stale element gets Source /', body: `{"Image":"${I}","HostConfig":{"Mounts":[{"Type":"bind","Source":"/tmp","Target":"/a"},{"Type":"bind","Source":"/tmp","Target":"/b"}],"Mounts":[{"Target":"/c"}],"Mounts":[{"Target":"/c"},{"Source":"/"}]}}`, rule: 'no-host-root-mounts' },
    { name: 'Binds: a symlink to / in a temp dir', body: () => JSON.stringify({ Image: I, HostConfig: { Binds: [`${path.join(links, 'root')}:/host`] } }), rule: 'no-host-root-mounts' },
    { name: 'Mounts: a symlink to / in a temp dir', body: () => JSON.stringify({ Image: I, HostConfig: { Mounts: [{ Type: 'bind', Source: path.join(links, 'root'), Target: '/host' }] } }), rule: 'no-host-root-mounts' },
    { name: 'Mounts type=volume with local bind options, no driver name', body: JSON.stringify({ Image: I, HostConfig: { Mounts: [{ Type: 'volume', Target: '/host', VolumeOptions: { DriverConfig: { Options: { type: 'none', o: 'bind', device: '/' } } } }] } }), rule: 'no-host-root-mounts' },
    { name: 'Mounts type=volume with local bind options, lower-case keys', body: JSON.stringify({ Image: I, hostconfig: { mounts: [{ type: 'volume', source: unique('mv'), target: '/host', volumeoptions: { driverconfig: { name: 'local', options: { type: 'none', o: 'bind', device: '/' } } } }] } }), rule: 'no-host-root-mounts' },
    { name: 'the policy directory itself', body: () => JSON.stringify({ Image: I, HostConfig: { Binds: [`${stack.policiesDir}:/p`] } }), rule: 'no-mounts-of-the-gate' },
    { name: 'CapAdd cap_sys_admin', body: JSON.stringify({ Image: I, HostConfig: { CapAdd: ['cap_sys_admin'] } }), rule: 'no-dangerous-capabilities' },
    { name: 'CapAdd Sys_Admin', body: JSON.stringify({ Image: I, HostConfig: { CapAdd: ['Sys_Admin'] } }), rule: 'no-dangerous-capabilities' },
    { name: 'CapAdd ALL', body: JSON.stringify({ Image: I, HostConfig: { CapAdd: ['ALL'] } }), rule: 'no-dangerous-capabilities' },
    { name: 'CapAdd all', body: JSON.stringify({ Image: I, HostConfig: { CapAdd: ['all'] } }), rule: 'no-dangerous-capabilities' },
    { name: 'NetworkMode with a Kelvin sign K (Go folds it to k)', body: `{"Image":"${I}","HostConfig":{"Networ\u212aMode":"host"}}`, rule: 'no-host-namespaces' },
    { name: 'IpcMode host', body: JSON.stringify({ Image: I, HostConfig: { IpcMode: 'host' } }), rule: 'no-host-namespaces' },
    { name: 'UTSMode host', body: JSON.stringify({ Image: I, HostConfig: { UTSMode: 'host' } }), rule: 'no-host-namespaces' },
    { name: 'lower-case devices', body: JSON.stringify({ Image: I, hostconfig: { devices: [{ pathonhost: '/dev/null', pathincontainer: '/dev/x', cgrouppermissions: 'rwm' }] } }), rule: 'no-devices' },
    { name: 'SecurityOpt seccomp:unconfined', body: JSON.stringify({ Image: I, HostConfig: { SecurityOpt: ['seccomp:unconfined'] } }), rule: 'no-unconfined-security' },
    { name: 'SecurityOpt seccomp={} (an empty inline profile disables seccomp)', body: JSON.stringify({ Image: I, HostConfig: { SecurityOpt: ['seccomp={}'] } }), rule: 'no-unconfined-security' },
    { name: 'SecurityOpt apparmor:unconfined', body: JSON.stringify({ Image: I, HostConfig: { SecurityOpt: ['apparmor:unconfined'] } }), rule: 'no-unconfined-security' },
    { name: 'SecurityOpt bare "disable" (dockerd reads label=disable)', body: JSON.stringify({ Image: I, HostConfig: { SecurityOpt: ['disable'] } }), rule: 'no-unconfined-security' },
    { name: 'empty MaskedPaths and ReadonlyPaths (systempaths=unconfined)', body: `{"Image":"${I}","hostconfig":{"maskedpaths":[],"readonlypaths":[]}}`, rule: 'no-unconfined-security' },
    { name: 'lower-case devicecgrouprules (mknod of host devices)', body: `{"Image":"${I}","hostconfig":{"devicecgrouprules":["b *:* rwm"]}}`, rule: 'no-devices' },
    { name: 'a body over 1 MiB (dockerd forwards no RequestBody)', body: big({ HostConfig: { Privileged: true } }), rule: 'no-privileged' },
    { name: 'a body over 1 MiB, chunked', body: big({ HostConfig: { Privileged: true } }), rule: 'no-privileged', headers: ['Content-Type: application/json', 'Transfer-Encoding: chunked'] },
    { name: 'a harmless body over 1 MiB is denied too (no evidence)', body: big({}), rule: 'no-privileged' },
  ]
  for (const c of cases) {
    test(c.name, async () => {
      const name = unique('ctr')
      const body = typeof c.body === 'string' ? c.body : c.body()
      await attempt('POST', `/v1.41/containers/create?name=${name}`, body, c.rule, c.headers)
      assert.equal(await stack.dockerd.containerExists(name), false, 'the container was not created')
    })
  }
})

describe('docker run re-spellings through the 20.10 CLI', () => {
  const cli = { label: '20.10', path: DOCKER_CLI_20 }
  const cases: Array<{ name: string; args: () => string[]; rule: Rule }> = [
    { name: '--cap-add cap_sys_admin', args: () => ['--cap-add', 'cap_sys_admin'], rule: 'no-dangerous-capabilities' },
    { name: '--cap-add ALL', args: () => ['--cap-add', 'ALL'], rule: 'no-dangerous-capabilities' },
    { name: '--mount type=bind,src=/', args: () => ['--mount', 'type=bind,src=/,dst=/host'], rule: 'no-host-root-mounts' },
    { name: '-v SYMLINK-TO-ROOT:/host', args: () => ['-v', `${path.join(links, 'root')}:/host`], rule: 'no-host-root-mounts' },
    { name: '-v POLICIES:/p', args: () => ['-v', `${stack.policiesDir}:/p`], rule: 'no-mounts-of-the-gate' },
    { name: '--security-opt seccomp=unconfined', args: () => ['--security-opt', 'seccomp=unconfined'], rule: 'no-unconfined-security' },
    { name: '--ipc host', args: () => ['--ipc', 'host'], rule: 'no-host-namespaces' },
    { name: '--uts host', args: () => ['--uts', 'host'], rule: 'no-host-namespaces' },
    { name: '--userns host', args: () => ['--userns', 'host'], rule: 'no-host-namespaces' },
  ]
  for (const c of cases) {
    test(`docker run ${c.name}`, async () => {
      const name = unique('clictr')
      const mark = stack.plugin.mark()
      const r = await stack.dockerd.docker(cli.path, ['run', '--rm', '--name', name, ...c.args(), TEST_IMAGE, 'true'])
      assertExit(r, 125, `docker run ${c.name}`)
      assert.equal(r.stderr, runErrorText(cli, 'run', stack.denied(`${MSG[c.rule]} (rule ${c.rule})`)))
      await assertDecision(stack.plugin, mark, { method: 'POST', uri: /^\/v1\.41\/containers\/create\?name=clictr-/, allow: false, rule: c.rule })
      assert.equal(await stack.dockerd.containerExists(name), false)
    })
  }
})

describe('exec create: privileged execs are denied in every spelling', () => {
  const name = 'exec-target'
  before(async () => {
    assertExit(await stack.dockerd.docker(DOCKER_CLI_20, ['run', '-d', '--name', name, TEST_IMAGE, 'sleep', '600']), 0, 'docker run -d')
  })
  const noExecs = async (): Promise<void> => {
    const r = await stack.dockerd.api('GET', `/v1.41/containers/${name}/json`)
    assert.equal((r.json as { ExecIDs: unknown }).ExecIDs, null, 'no exec instance was created')
  }

  for (const cli of dockerClis()) {
    test(`docker ${cli.label} exec --privileged`, async () => {
      const mark = stack.plugin.mark()
      const r = await stack.dockerd.docker(cli.path, ['exec', '--privileged', name, 'true'])
      assertExit(r, 1, 'docker exec --privileged')
      assert.equal(r.stderr, errorText(stack.denied(`${MSG['no-privileged']} (rule no-privileged)`)))
      await assertDecision(stack.plugin, mark, { method: 'POST', uri: new RegExp(`^/v1\\.41/containers/${name}/exec$`), allow: false, rule: 'no-privileged' })
      await noExecs()
    })
  }

  const cases = [
    { target: `/v1.41/containers/${name}/exec`, body: '{"privileged":true,"cmd":["true"]}' },
    { target: `/v1.41/containers/${name}/exec`, body: '{"PRIVILEGED":true,"Cmd":["true"]}' },
    { target: `/v1.41/containers/${name}/exec`, body: '{"Privileged":false,"Privileged":true,"Cmd":["true"]}' },
    { target: `/v1.41/containers/${name}/%65xec`, body: '{"Privileged":true,"Cmd":["true"]}' },
    { target: `/containers/${name}/exec`, body: '{"Privileged":true,"Cmd":["true"]}', headers: ['Content-Type: application/json', 'Transfer-Encoding: chunked'] },
  ]
  for (const c of cases) {
    test(`POST ${c.target} ${c.body}${c.headers ? ' (chunked)' : ''}`, async () => {
      await attempt('POST', c.target, c.body, 'no-privileged', c.headers)
      await noExecs()
    })
  }
})

describe('legacy start: a host configuration in the body of POST /v1.23/containers/ID/start', () => {
  const name = 'legacy-start'
  before(async () => {
    assertExit(await stack.dockerd.docker(DOCKER_CLI_20, ['create', '--name', name, TEST_IMAGE, 'ls', '/host']), 0, 'docker create')
  })
  const cases: Array<{ target: string; body: string; rule: Rule; headers?: string[] }> = [
    { target: `/v1.23/containers/${name}/start`, body: '{"Privileged":true}', rule: 'no-privileged' },
    { target: `/v1.23/containers/${name}/start`, body: '{"Binds":["/:/host"]}', rule: 'no-host-root-mounts' },
    { target: `/v1.23/containers/${name}/start`, body: '{"HostConfig":{"Binds":["/:/host"]}}', rule: 'no-host-root-mounts' },
    { target: `/v1.23/containers/${name}/start`, body: '{"binds":["/:/host"]}', rule: 'no-host-root-mounts' },
    { target: `/v1.023/containers/${name}/start`, body: '{"Binds":["/:/host"]}', rule: 'no-host-root-mounts' },
    { target: `/v1.23.9/containers/${name}/start`, body: '{"Binds":["/:/host"]}', rule: 'no-host-root-mounts' },
    { target: `/v1.12/containers/${name}/start`, body: '{"Privileged":true}', rule: 'no-privileged' },
    { target: `/v1.23/containers/%6c${name.slice(1)}/start`, body: '{"Privileged":true}', rule: 'no-privileged' },
    { target: `/v1.23/containers/${name}/start?x=/auth`, body: '{"Privileged":true}', rule: 'no-privileged' },
    { target: `/v1.23/containers/${name}/start`, body: '{"Binds":["/:/host"]}', rule: 'no-host-root-mounts', headers: ['Content-Type: application/json', 'Transfer-Encoding: chunked'] },
    { target: `/v1.23/containers/${name}/start`, body: JSON.stringify({ Privileged: true, Labels: { pad: 'x'.repeat(1_100_000) } }), rule: 'no-privileged' },
  ]
  for (const c of cases) {
    test(`POST ${c.target} ${c.body.slice(0, 40)}${c.headers ? ' (chunked)' : ''}`, async () => {
      await attempt('POST', c.target, c.body, c.rule, c.headers)
      const r = await stack.dockerd.api('GET', `/v1.41/containers/${name}/json`)
      const info = r.json as { HostConfig: { Privileged: boolean; Binds: unknown }; State: { Running: boolean; StartedAt: string } }
      assert.deepEqual({ privileged: info.HostConfig.Privileged, binds: info.HostConfig.Binds, startedAt: info.State.StartedAt }, { privileged: false, binds: null, startedAt: '0001-01-01T00:00:00Z' })
    })
  }
})

describe('found by the security review', () => {
  const I = TEST_IMAGE
  // A legacy link registers `/<container>/<alias>` as a name of the linked container; dockerd's
  // routes take any name, so `/containers/la-b/x/exec` is an exec in la-a.
  before(async () => {
    assertExit(await stack.dockerd.docker(DOCKER_CLI_20, ['run', '-d', '--name', 'la-a', I, 'sleep', '600']), 0, 'docker run -d la-a')
    assertExit(await stack.dockerd.docker(DOCKER_CLI_20, ['create', '--name', 'la-b', '--link', 'la-a:x', I, 'true']), 0, 'docker create --link')
  })

  test('the link alias name resolves to the linked container (dockerd)', async () => {
    const r = await stack.dockerd.api('GET', '/v1.41/containers/la-b/x/json')
    assert.equal(r.status, 200)
    assert.equal((r.json as { Name: string }).Name, '/la-a')
  })

  test('exec --privileged through a link alias name is denied', async () => {
    await attempt('POST', '/v1.41/containers/la-b/x/exec', '{"Privileged":true,"Cmd":["true"]}', 'no-privileged')
    const r = await stack.dockerd.api('GET', '/v1.41/containers/la-a/json')
    assert.equal((r.json as { ExecIDs: unknown }).ExecIDs, null)
  })

  test('a privileged pre-1.24 start body through a link alias name is denied', async () => {
    assertExit(await stack.dockerd.docker(DOCKER_CLI_20, ['create', '--name', 'la-c', I, 'true']), 0, 'docker create la-c')
    assertExit(await stack.dockerd.docker(DOCKER_CLI_20, ['create', '--name', 'la-d', '--link', 'la-c:y', I, 'true']), 0, 'docker create --link la-c:y')
    await attempt('POST', '/v1.23/containers/la-d/y/start', '{"Privileged":true,"Binds":["/:/host"]}', 'no-privileged')
    const r = await stack.dockerd.api('GET', '/v1.41/containers/la-c/json')
    assert.equal((r.json as { HostConfig: { Privileged: boolean } }).HostConfig.Privileged, false)
  })

  const creates: Array<{ name: string; body: (n: string) => string; rule: Rule }> = [
    { name: 'a bind of /var (a parent of /var/lib/docker)', body: () => JSON.stringify({ Image: I, HostConfig: { Binds: ['/var:/host'] } }), rule: 'no-host-root-mounts' },
    { name: 'a bind of the policy directory\'s parent', body: () => JSON.stringify({ Image: I, HostConfig: { Binds: [`${path.dirname(stack.policiesDir)}:/p`] } }), rule: 'no-mounts-of-the-gate' },
    { name: 'a volume-type mount of proc', body: () => JSON.stringify({ Image: I, HostConfig: { Mounts: [{ Type: 'volume', Target: '/p', VolumeOptions: { DriverConfig: { Options: { type: 'proc', device: 'proc' } } } }] } }), rule: 'no-host-root-mounts' },
    { name: '--volumes-from another container', body: () => JSON.stringify({ Image: I, HostConfig: { VolumesFrom: ['la-a'] } }), rule: 'no-joining-containers' },
    { name: '--pid container:X', body: () => JSON.stringify({ Image: I, HostConfig: { PidMode: 'container:la-a' } }), rule: 'no-joining-containers' },
  ]
  for (const c of creates) {
    test(`container create with ${c.name} is denied and not created`, async () => {
      const name = unique('review')
      await attempt('POST', `/v1.41/containers/create?name=${name}`, c.body(name), c.rule)
      assert.equal(await stack.dockerd.containerExists(name), false)
    })
  }

  for (const [label, opts] of [['proc', { type: 'proc', device: 'proc' }], ['binfmt_misc', { type: 'binfmt_misc', device: 'binfmt_misc' }], ['the host disk', { type: 'ext4', device: '/dev/vda1' }]] as const) {
    test(`a local volume of ${label} is denied and not created`, async () => {
      const name = unique('kvol')
      await attempt('POST', '/v1.41/volumes/create', JSON.stringify({ Name: name, DriverOpts: opts }), 'no-host-volumes')
      assert.equal(await stack.dockerd.volumeExists(name), false)
    })
  }

  test('a tmpfs volume stays allowed', async () => {
    const name = unique('tmpvol')
    const r = await send('POST', '/v1.41/volumes/create', JSON.stringify({ Name: name, DriverOpts: { type: 'tmpfs', device: 'tmpfs', o: 'size=8m' } }))
    assert.equal(r.status, 201, r.body)
    assert.equal(await stack.dockerd.volumeExists(name), true)
  })
})

describe('query parameters and form bodies', () => {
  test('a form body that overrides ?name= (dockerd reads the body first) is denied', async () => {
    const name = unique('formctr')
    assertExit(await stack.dockerd.docker(DOCKER_CLI_20, ['create', '--name', name, TEST_IMAGE, 'true']), 0, 'docker create')
    await attempt('POST', `/v1.41/containers/${name}/rename?name=forbidden-q`, undefined, 'e2e-reserved-container-names')
    await attempt('POST', `/v1.41/containers/${name}/rename?name=fine-${name}`, 'name=forbidden-form', 'e2e-reserved-container-names', ['Content-Type: application/x-www-form-urlencoded'])
    assert.equal(await stack.dockerd.containerExists(name), true, 'not renamed')
    assert.equal(await stack.dockerd.containerExists('forbidden-form'), false)
  })
})

describe('portcullis protects itself and dockerd\'s debug endpoints', () => {
  const debug = [
    { method: 'GET', target: '/debug/vars' },
    { method: 'GET', target: '/%64ebug/vars' },
    { method: 'POST', target: '/debug/pprof/cmdline' },
    { method: 'DELETE', target: '/debug/vars' },
    { method: 'GET', target: 'http://x/debug/pprof/heap' },
  ]
  for (const d of debug) {
    test(`${d.method} ${d.target}`, async () => {
      await attempt(d.method, d.target, undefined, 'no-debug-endpoints')
    })
  }
  test('GET /debug/pprof/ (a real route with a trailing slash) is denied, as an unroutable spelling', async () => {
    // dockerd serves the pprof index at /debug/pprof/ (and 404s /debug/pprof); Portcullis rejects
    // every trailing slash before the rules, so the reason differs from no-debug-endpoints.
    const mark = stack.plugin.mark()
    const r = await send('GET', '/debug/pprof/')
    assert.equal(r.status, 403)
    assert.match(errorMessage(r.body), new RegExp(`^${escape(stack.denied('request URI "/debug/pprof/" denied: the request path ends with "/"'))}`))
    await assertDecision(stack.plugin, mark, { method: 'GET', uri: /^\/debug\/pprof\/$/, allow: false, rule: null })
  })
  for (const target of ['/v1.41/plugins/pull?remote=portcullis-e2e-fake', '/v1.41/%70lugins/pull?remote=portcullis-e2e-fake']) {
    test(`POST ${target}`, async () => {
      await attempt('POST', target, '[]', 'no-plugin-management')
    })
  }
})

describe('the TCP transport', () => {
  test('the plugin is announced by its spec file and dockerd reaches it there', async () => {
    assert.equal(readFileSync(specFile, 'utf8'), `${stack.plugin.address}\n`)
    assert.match(stack.plugin.address ?? '', /^tcp:\/\/127\.0\.0\.1:\d+$/)
    const mark = stack.plugin.mark()
    const r = await stack.dockerd.curl(['-i'], 'http://localhost/v1.41/version')
    assert.equal(r.status, 200)
    // §11 A12: the response headers pass the plugin intact.
    assert.match(r.body, /^Content-Type: application\/json\r$/m)
    await assertDecision(stack.plugin, mark, { method: 'GET', uri: /^\/v1\.41\/version$/, allow: true, rule: 'allow-reads' })
  })
})

test('no request made Portcullis answer with an error (HTTP 500)', () => {
  assert.ok(stack.plugin.decisions().length > 0)
  assertNoPluginErrors(stack.plugin)
})
