/**
 * End to end, the host escapes an attacker found with the shipped policies (issue: host escapes
 * through local volumes, log drivers and networks; a decision that blocks the API). Each attempt
 * goes to a real dockerd 20.10 with the real docker CLI or curl, and the test checks that it is
 * denied with the rule's message and that nothing happened: the volume, network or container does
 * not exist, the log socket received nothing. The last scenario floods the plugin with the largest
 * bodies dockerd forwards and checks that another user's /_ping is not held behind them.
 */
import assert from 'node:assert/strict'
import { createSocket } from 'node:dgram'
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createServer as createHttpServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createServer } from 'node:net'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { DOCKER_CLI_20, startStack } from '../helpers/dockerd.js'
import type { Stack } from '../helpers/dockerd.js'
import { TEST_IMAGE, testImageTar } from '../helpers/test-image.js'
import { assertDecision, assertExit, assertNoPluginErrors, errorText, runErrorText } from './support.js'

const MSG = {
  'no-host-volumes': 'volumes that mount the host\'s files, disks or kernel filesystems are not allowed',
  'no-host-root-mounts': 'bind mounts of the host\'s system directories are not allowed',
  'no-remote-logging': 'log drivers that send container output off the host are not allowed',
  'no-host-networks': 'networks on the host\'s own interfaces or bridges are not allowed',
  'no-local-fetches': 'making dockerd fetch from the host or its private networks is not allowed',
} as const
type Rule = keyof typeof MSG

let stack: Stack
let data: string
before(async () => {
  stack = await startStack()
  // A directory the shipped set lets containers bind (the stack's own, outside the FHS paths).
  data = path.join(stack.dir, 'data')
  mkdirSync(data)
})
after(async () => {
  if (stack) assertNoPluginErrors(stack.plugin)
  await stack?.close()
})

let counter = 0
const unique = (prefix: string): string => `${prefix}-${++counter}`
const docker = (args: string[]) => stack.dockerd.docker(DOCKER_CLI_20, args)
const denied = (rule: Rule): string => stack.denied(`${MSG[rule]} (rule ${rule})`)

async function volumeCreateDenied(name: string, opts: string[]): Promise<void> {
  const mark = stack.plugin.mark()
  const r = await docker(['volume', 'create', ...opts.flatMap((o) => ['-o', o]), name])
  assertExit(r, 1, 'docker volume create')
  assert.equal(r.stderr, errorText(denied('no-host-volumes')))
  await assertDecision(stack.plugin, mark, { method: 'POST', uri: /\/volumes\/create$/, allow: false, rule: 'no-host-volumes' })
  assert.equal(await stack.dockerd.volumeExists(name), false)
}

describe('local volumes are read default-deny', () => {
  test('the host\'s procfs: -d local -o type=proc -o device=/mnt', async () => {
    await volumeCreateDenied(unique('hp'), ['type=proc', 'device=/mnt'])
  })

  test('the host\'s procfs in one request: run --mount type=volume with local proc options', async () => {
    const volume = unique('hp')
    const name = unique('procrun')
    const mark = stack.plugin.mark()
    const r = await docker(['run', '--rm', '--name', name, '--mount', `type=volume,src=${volume},dst=/hostproc,volume-driver=local,volume-opt=type=proc,volume-opt=device=/mnt`, TEST_IMAGE, 'ls', '/hostproc/1'])
    assertExit(r, 125, 'docker run')
    assert.equal(r.stderr, runErrorText({ label: '20.10', path: DOCKER_CLI_20 }, 'run', denied('no-host-root-mounts')))
    await assertDecision(stack.plugin, mark, { method: 'POST', uri: /\/containers\/create/, allow: false, rule: 'no-host-root-mounts' })
    assert.equal(await stack.dockerd.volumeExists(volume), false)
    assert.equal(await stack.dockerd.containerExists(name), false)
  })

  test('a pre-1.24 start body with a proc volume mount is denied and the container never starts', async () => {
    const name = unique('legacystart')
    assertExit(await docker(['create', '--name', name, TEST_IMAGE, 'true']), 0, 'docker create')
    const mark = stack.plugin.mark()
    const body = JSON.stringify({ Mounts: [{ Type: 'volume', Source: unique('hp'), Target: '/hostproc', VolumeOptions: { DriverConfig: { Options: { type: 'proc', device: '/mnt' } } } }] })
    const r = await stack.dockerd.curl(['-X', 'POST', '-H', 'Content-Type: application/json', '--data-binary', '@-'], `http://localhost/v1.23/containers/${name}/start`, body)
    assert.equal(r.status, 403, r.body)
    await assertDecision(stack.plugin, mark, { method: 'POST', uri: /\/v1\.23\/containers\/.*\/start$/, allow: false, rule: 'no-host-root-mounts' })
    const info = (await stack.dockerd.api('GET', `/v1.41/containers/${name}/json`)).json as { State: { StartedAt: string }; HostConfig: { Mounts: unknown } }
    assert.equal(info.State.StartedAt, '0001-01-01T00:00:00Z')
  })

  test('the host\'s disk through a device node a container made with mknod', async () => {
    const dir = path.join(data, unique('nodes'))
    mkdirSync(dir)
    // Docker's default capabilities include MKNOD and its device cgroup allows making nodes:
    // the container can make one, only dockerd (root on the host) could mount it.
    const r = await docker(['run', '--rm', '-v', `${dir}:/x`, TEST_IMAGE, 'mknod', '/x/disk', 'b', '7', '0'])
    assertExit(r, 0, 'docker run mknod')
    assert.equal(statSync(path.join(dir, 'disk')).isBlockDevice(), true)
    await volumeCreateDenied(unique('disk'), ['type=ext4', `device=${dir}/disk`])
  })

  test('an overlay, in the kernel\'s newer lowerdir+ syntax', async () => {
    await volumeCreateDenied(unique('ov'), ['type=overlay', 'device=overlay', `o=lowerdir+=/etc,upperdir=${data}/u,workdir=${data}/w`])
  })

  test('a bind of a relative device (resolved against dockerd\'s working directory)', async () => {
    await volumeCreateDenied(unique('rel'), ['type=none', 'o=bind', 'device=etc'])
  })

  test('an NFS share on the host\'s loopback', async () => {
    await volumeCreateDenied(unique('nfs'), ['type=nfs', 'device=:/export', 'o=addr=127.0.0.1'])
  })

  test('a tmpfs volume is still allowed, and works', async () => {
    const name = unique('tv')
    assertExit(await docker(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=1m,mode=1777', name]), 0, 'docker volume create tmpfs')
    const r = await docker(['run', '--rm', '-v', `${name}:/t`, TEST_IMAGE, 'sh', '-c', 'echo hi > /t/f && cat /t/f'])
    assertExit(r, 0, 'docker run with the tmpfs volume')
    assert.equal(r.stdout, 'hi\n')
  })
})

describe('log drivers that make dockerd connect somewhere are denied', () => {
  const cli20 = { label: '20.10', path: DOCKER_CLI_20 }

  async function runDenied(name: string, logArgs: string[]): Promise<void> {
    const mark = stack.plugin.mark()
    const r = await docker(['run', '--rm', '--name', name, ...logArgs, TEST_IMAGE, 'echo', 'container-controlled text'])
    assertExit(r, 125, 'docker run')
    assert.equal(r.stderr, runErrorText(cli20, 'run', denied('no-remote-logging')))
    await assertDecision(stack.plugin, mark, { method: 'POST', uri: /\/containers\/create/, allow: false, rule: 'no-remote-logging' })
    assert.equal(await stack.dockerd.containerExists(name), false)
  }

  test('syslog to a root-only Unix socket: the socket receives nothing', async () => {
    const socketPath = path.join(stack.dir, 'root-only.sock')
    let connections = 0
    const server = createServer((c) => { connections++; c.destroy() })
    await new Promise<void>((resolve) => server.listen(socketPath, resolve))
    chmodSync(socketPath, 0o600)
    try {
      await runDenied(unique('syslog'), ['--log-driver', 'syslog', '--log-opt', `syslog-address=unix://${socketPath}`])
      // What dockerd would have done happens at create (it checks the path) or at start: neither ran.
      assert.equal(connections, 0)
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })

  test('gelf to a service on the host\'s loopback: nothing is sent', async () => {
    const udp = createSocket('udp4')
    let datagrams = 0
    udp.on('message', () => { datagrams++ })
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve))
    try {
      await runDenied(unique('gelf'), ['--log-driver', 'gelf', '--log-opt', `gelf-address=udp://127.0.0.1:${udp.address().port}`])
      assert.equal(datagrams, 0)
    } finally {
      udp.close()
    }
  })

  test('fluentd with its default address, 127.0.0.1:24224', async () => {
    await runDenied(unique('fluentd'), ['--log-driver', 'fluentd'])
  })

  test('json-file with rotation options still works', async () => {
    const r = await docker(['run', '--rm', '--log-driver', 'json-file', '--log-opt', 'max-size=1m', '--log-opt', 'max-file=2', TEST_IMAGE, 'echo', 'kept on the host'])
    assertExit(r, 0, 'docker run json-file')
    assert.equal(r.stdout, 'kept on the host\n')
  })
})

describe('networks on the host\'s interfaces are denied', () => {
  async function networkCreateDenied(name: string, args: string[]): Promise<void> {
    const mark = stack.plugin.mark()
    const r = await docker(['network', 'create', ...args, name])
    assertExit(r, 1, 'docker network create')
    assert.equal(r.stderr, errorText(denied('no-host-networks')))
    await assertDecision(stack.plugin, mark, { method: 'POST', uri: /\/networks\/create$/, allow: false, rule: 'no-host-networks' })
    const inspect = await stack.dockerd.api('GET', `/v1.41/networks/${name}`)
    assert.equal(inspect.status, 404, inspect.body)
  }

  test('macvlan on the host\'s interface', async () => {
    await networkCreateDenied(unique('mv'), ['-d', 'macvlan', '-o', 'parent=eth0'])
  })

  test('ipvlan', async () => {
    await networkCreateDenied(unique('iv'), ['-d', 'ipvlan'])
  })

  test('a bridge that takes over docker0', async () => {
    await networkCreateDenied(unique('br'), ['-o', 'com.docker.network.bridge.name=docker0'])
  })

  test('a custom bridge is still allowed', async () => {
    const name = unique('plain')
    assertExit(await docker(['network', 'create', '--internal', name]), 0, 'docker network create')
    assertExit(await docker(['network', 'rm', name]), 0, 'docker network rm')
  })
})

describe('dockerd does not fetch from the host\'s own network for a caller', () => {
  // A web server that listens only on the host's loopback, as a secret service would.
  let requests: string[] = []
  let base = ''
  let close: () => Promise<void> = async () => {}
  before(async () => {
    const server = createHttpServer((req, res) => {
      requests.push(`${req.method} ${req.url}`)
      res.setHeader('content-type', 'text/plain')
      res.end('FROM scratch\nLABEL secret=host-only\n')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    close = () => new Promise((resolve) => server.close(() => resolve()))
  })
  after(() => close())

  async function fetchDenied(args: string[], uri: RegExp): Promise<void> {
    requests = []
    const mark = stack.plugin.mark()
    const r = await docker(args)
    assertExit(r, 1, `docker ${args[0]}`)
    assert.match(r.stderr, new RegExp(escapeRegExp(denied('no-local-fetches'))))
    await assertDecision(stack.plugin, mark, { method: 'POST', uri, allow: false, rule: 'no-local-fetches' })
    assert.deepEqual(requests, [], 'the loopback-only server received a request')
  }

  test('a build with a remote context on a loopback-only URL: the server receives nothing', async () => {
    // The docker CLI downloads an http(s) context itself and sends it as a tar; an API client
    // (or BuildKit) passes it to dockerd as `remote`, which dockerd fetches as root.
    requests = []
    const mark = stack.plugin.mark()
    const r = await stack.dockerd.api('POST', `/v1.41/build?t=${unique('leak')}&remote=${encodeURIComponent(`${base}/Dockerfile`)}`)
    assert.equal(r.status, 403, r.body)
    assert.match(r.body, new RegExp(escapeRegExp(denied('no-local-fetches'))))
    await assertDecision(stack.plugin, mark, { method: 'POST', uri: /\/build\?/, allow: false, rule: 'no-local-fetches' })
    assert.deepEqual(requests, [], 'the loopback-only server received a request')
  })

  test('a pull from a registry on the host\'s loopback is denied before dockerd connects', async () => {
    requests = []
    const port = new URL(base).port
    const mark = stack.plugin.mark()
    const r = await docker(['pull', `127.0.0.1:${port}/secret/image:1`])
    assertExit(r, 1, 'docker pull')
    assert.equal(r.stderr, errorText(denied('no-local-fetches')))
    await assertDecision(stack.plugin, mark, { method: 'POST', uri: /\/images\/create\?/, allow: false, rule: 'no-local-fetches' })
    assert.deepEqual(requests, [])
  })

  test('docker import from a loopback-only URL: the server receives nothing', async () => {
    await fetchDenied(['import', `${base}/x.tar`, `${unique('imported')}:1`], /\/images\/create\?/)
  })

  test('docker build of a local context still works', async () => {
    const dir = path.join(data, unique('ctx'))
    mkdirSync(dir)
    writeFileSync(path.join(dir, 'Dockerfile'), `FROM ${TEST_IMAGE}\nLABEL built=locally\nCOPY hello /hello\n`)
    writeFileSync(path.join(dir, 'hello'), 'hi\n')
    const tag = unique('local-build')
    const r = await stack.dockerd.docker(DOCKER_CLI_20, ['build', '-t', tag, dir], { env: { DOCKER_BUILDKIT: '0' } })
    assertExit(r, 0, 'docker build .')
    const inspect = await docker(['image', 'inspect', '--format', '{{.Config.Labels.built}}', tag])
    assert.equal(inspect.stdout, 'locally\n')
  })

  test('docker import from stdin still works', async () => {
    const tag = `${unique('stdin-import')}:1`
    const r = await stack.dockerd.docker(DOCKER_CLI_20, ['import', '-', tag], { stdin: readFileSync(testImageTar()) })
    assertExit(r, 0, 'docker import -')
    assertExit(await docker(['image', 'inspect', tag]), 0, 'docker image inspect')
  })
})

describe('one decision never blocks the API', () => {
  test('a create with 40,000 binds is denied with a message that says the cap', async () => {
    const binds = Array.from({ length: 40_000 }, (_, i) => `/d/${i}:/m${i}`)
    const mark = stack.plugin.mark()
    const r = await stack.dockerd.api('POST', '/v1.41/containers/create', { Image: TEST_IMAGE, HostConfig: { Binds: binds } })
    assert.equal(r.status, 403, r.body)
    assert.match(r.body, /HostConfig\.Binds has 40000 entries; Portcullis reads at most 256 per list/)
    await assertDecision(stack.plugin, mark, { method: 'POST', uri: /\/containers\/create$/, allow: false, rule: null })
  })

  test('a flood of the largest bodies dockerd forwards does not hold another user\'s /_ping', async () => {
    // Just under dockerd 20.10's 1 MiB forwarding limit: an overlay option with 330,000 entries,
    // which once cost the plugin 14-26 s of its only thread.
    const lower = Array(330_000).fill('/a').join(':')
    const body = JSON.stringify({ Name: 'flood', DriverOpts: { type: 'overlay', device: 'overlay', o: `lowerdir=${lower}` } })
    assert.ok(body.length > 980_000 && body.length < 1024 * 1024)
    const flood = Array.from({ length: 8 }, () => stack.dockerd.api('POST', '/v1.41/volumes/create', body, { 'content-type': 'application/json' }, 60_000))
    const pings: number[] = []
    for (let i = 0; i < 5; i++) {
      const started = performance.now()
      const r = await stack.dockerd.api('GET', '/_ping')
      pings.push(performance.now() - started)
      assert.equal(r.status, 200)
    }
    const answers = await Promise.all(flood)
    for (const a of answers) assert.equal(a.status, 403, a.body)
    assert.ok(Math.max(...pings) < 1000, `/_ping took ${pings.map((p) => p.toFixed(0)).join(', ')} ms behind the flood`)
  })
})

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
