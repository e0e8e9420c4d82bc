/**
 * End to end, everyday use: dockerd 20.10 with the plugin on a Unix socket in /run/docker/plugins,
 * the shipped policies plus one file this test writes, driven by the real docker CLIs (20.10 and,
 * where installed, 28.x), with real containers. Each scenario checks what the CLI printed, its exit
 * code and what the plugin decided (its decision log). One dockerd serves the whole file.
 */
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { cli as portcullisCli, waitFor } from '../helpers/cli.js'
import { DOCKER_CLI_20, dockerClis, startStack } from '../helpers/dockerd.js'
import type { DockerCli, Stack } from '../helpers/dockerd.js'
import { TEST_IMAGE } from '../helpers/test-image.js'
import { assertDecision, assertExit, assertNoPluginErrors, errorText, runErrorText, tag } from './support.js'

const EXTRA_POLICIES = {
  '90-e2e.yaml': `# Written by the end-to-end test, on top of the shipped set.
rules:
  - id: e2e-reserved-volume-names
    effect: deny
    match:
      methods: [POST]
      paths: ["/volumes/create"]
      body: {Name: "forbidden-*"}
    message: volume names starting with forbidden- are reserved

  - id: e2e-suspended-user
    effect: deny
    match:
      users: [mallory]
    unless:
      paths: ["/_ping"]
    message: mallory is suspended
`,
}

let stack: Stack
before(async () => { stack = await startStack({ policies: EXTRA_POLICIES, tlsUsers: ['alice', 'mallory'] }) })
after(async () => { await stack?.close() })

const docker = (cli: DockerCli, args: string[], options: Parameters<Stack['dockerd']['docker']>[2] = {}) => stack.dockerd.docker(cli.path, args, options)

for (const cli of dockerClis()) {
  const t = tag(cli)

  describe(`docker ${cli.label} – everyday commands are allowed`, () => {
    test('docker version', async () => {
      const mark = stack.plugin.mark()
      const r = await docker(cli, ['version', '--format', '{{.Server.APIVersion}} {{.Server.Version}}'])
      assertExit(r, 0, 'docker version')
      assert.match(r.stdout, /^1\.41 20\.10\.\d+/)
      assert.equal(r.stderr, '')
      await assertDecision(stack.plugin, mark, { method: 'GET', uri: /^\/v1\.41\/version$/, allow: true, rule: 'allow-reads', user: null })
      await assertDecision(stack.plugin, mark, { phase: 'response', method: 'GET', uri: /^\/v1\.41\/version$/, allow: true, rule: null })
    })

    test('docker info lists the plugin as the authorization plugin', async () => {
      const mark = stack.plugin.mark()
      const r = await docker(cli, ['info', '--format', '{{json .Plugins.Authorization}}'])
      assertExit(r, 0, 'docker info')
      assert.equal(r.stdout, `["${stack.plugin.name}"]\n`)
      await assertDecision(stack.plugin, mark, { method: 'GET', uri: /^\/v1\.41\/info$/, allow: true, rule: 'allow-reads' })
    })

    test('docker ps and docker images', async () => {
      const mark = stack.plugin.mark()
      const ps = await docker(cli, ['ps', '-a', '--format', '{{.Names}}'])
      assertExit(ps, 0, 'docker ps')
      const images = await docker(cli, ['images', '--format', '{{.Repository}}:{{.Tag}}'])
      assertExit(images, 0, 'docker images')
      assert.ok(images.stdout.split('\n').includes(TEST_IMAGE), images.stdout)
      await assertDecision(stack.plugin, mark, { method: 'GET', uri: /^\/v1\.41\/containers\/json\?all=1$/, allow: true, rule: 'allow-reads' })
      await assertDecision(stack.plugin, mark, { method: 'GET', uri: /^\/v1\.41\/images\/json/, allow: true, rule: 'allow-reads' })
    })

    test('docker run --rm IMAGE echo hi prints hi', async () => {
      const mark = stack.plugin.mark()
      const r = await docker(cli, ['run', '--rm', '--name', `hi-${t}`, TEST_IMAGE, 'echo', 'hi'])
      assertExit(r, 0, 'docker run')
      assert.equal(r.stdout, 'hi\n')
      assert.equal(r.stderr, '')
      await assertDecision(stack.plugin, mark, { method: 'POST', uri: /^\/v1\.41\/containers\/create\?name=hi-/, allow: true, rule: 'allow-lifecycle' })
      await assertDecision(stack.plugin, mark, { method: 'POST', uri: /^\/v1\.41\/containers\/[0-9a-f]{64}\/attach\?/, allow: true, rule: 'allow-lifecycle' })
      await assertDecision(stack.plugin, mark, { method: 'POST', uri: /^\/v1\.41\/containers\/[0-9a-f]{64}\/start$/, allow: true, rule: 'allow-lifecycle' })
      assert.equal(await stack.dockerd.containerExists(`hi-${t}`), false, '--rm removed it')
    })

    test('docker exec into a running container', async () => {
      const name = `exec-${t}`
      assertExit(await docker(cli, ['run', '-d', '--name', name, TEST_IMAGE, 'sleep', '300']), 0, 'docker run -d')
      const mark = stack.plugin.mark()
      const r = await docker(cli, ['exec', name, 'sh', '-c', 'echo inside $(hostname)'])
      assertExit(r, 0, 'docker exec')
      assert.match(r.stdout, /^inside [0-9a-f]{12}\n$/)
      await assertDecision(stack.plugin, mark, { method: 'POST', uri: new RegExp(`^/v1\\.41/containers/${name}/exec$`), allow: true, rule: 'allow-lifecycle' })
      await assertDecision(stack.plugin, mark, { method: 'POST', uri: /^\/v1\.41\/exec\/[0-9a-f]{64}\/start$/, allow: true, rule: 'allow-lifecycle' })
      assertExit(await docker(cli, ['rm', '-f', name]), 0, 'docker rm -f')
    })

    test('docker logs -f follows until the container exits', async () => {
      const name = `logs-${t}`
      assertExit(await docker(cli, ['run', '-d', '--name', name, TEST_IMAGE, 'sh', '-c', 'echo one; echo two >&2; echo three']), 0, 'docker run -d')
      const mark = stack.plugin.mark()
      const r = await docker(cli, ['logs', '-f', name])
      assertExit(r, 0, 'docker logs -f')
      assert.equal(r.stdout, 'one\nthree\n')
      assert.equal(r.stderr, 'two\n')
      await assertDecision(stack.plugin, mark, { method: 'GET', uri: /^\/v1\.41\/containers\/[0-9a-f]{64}\/logs\?.*follow=1/, allow: true, rule: 'allow-reads' })
      // The response phase of a stream comes after the stream ends (it has no status).
      await assertDecision(stack.plugin, mark, { phase: 'response', method: 'GET', uri: /^\/v1\.41\/containers\/[0-9a-f]{64}\/logs\?/, allow: true, rule: null })
      assertExit(await docker(cli, ['rm', name]), 0, 'docker rm')
    })

    test('docker attach sends stdin and prints the output', async () => {
      const name = `attach-${t}`
      assertExit(await docker(cli, ['run', '-di', '--name', name, TEST_IMAGE, 'sh', '-c', 'read line; echo got:$line']), 0, 'docker run -di')
      const mark = stack.plugin.mark()
      // stdin stays open until the output is there: the 20.10 CLI may return on stdin's EOF
      // before it has copied the container's output.
      const attach = stack.dockerd.dockerProcess(cli.path, ['attach', name])
      let out = ''
      attach.stdout.on('data', (d: Buffer) => { out += d })
      const exit = new Promise<number | null>((resolve) => attach.on('close', resolve))
      try {
        await assertDecision(stack.plugin, mark, { method: 'POST', uri: new RegExp(`^/v1\\.41/containers/${name}/attach\\?`), allow: true, rule: 'allow-lifecycle' })
        attach.stdin.write('hello\n')
        await waitFor('the attached output', () => out === 'got:hello\n', 15_000)
        attach.stdin.end()
        assert.equal(await exit, 0)
      } finally {
        attach.kill('SIGKILL')
      }
      assertExit(await docker(cli, ['rm', name]), 0, 'docker rm')
    })

    test('docker events --until lists what happened', async () => {
      const since = (Date.now() / 1000).toFixed(3)
      const name = `events-${t}`
      assertExit(await docker(cli, ['run', '--rm', '--name', name, TEST_IMAGE, 'true']), 0, 'docker run')
      const until = (Date.now() / 1000 + 0.001).toFixed(3)
      const mark = stack.plugin.mark()
      const r = await docker(cli, ['events', '--since', since, '--until', until, '--filter', `container=${name}`, '--format', '{{.Action}}'])
      assertExit(r, 0, 'docker events')
      assert.deepEqual(r.stdout.split('\n').filter((a) => ['create', 'attach', 'start', 'die', 'destroy'].includes(a)), ['create', 'attach', 'start', 'die', 'destroy'])
      await assertDecision(stack.plugin, mark, { method: 'GET', uri: /^\/v1\.41\/events\?/, allow: true, rule: 'allow-reads' })
    })

    test('docker volume create, ls and rm', async () => {
      const name = `vol-${t}`
      const mark = stack.plugin.mark()
      const created = await docker(cli, ['volume', 'create', name])
      assertExit(created, 0, 'docker volume create')
      assert.equal(created.stdout, `${name}\n`)
      const ls = await docker(cli, ['volume', 'ls', '-q'])
      assertExit(ls, 0, 'docker volume ls')
      assert.ok(ls.stdout.split('\n').includes(name), ls.stdout)
      const rm = await docker(cli, ['volume', 'rm', name])
      assertExit(rm, 0, 'docker volume rm')
      assert.equal(rm.stdout, `${name}\n`)
      await assertDecision(stack.plugin, mark, { method: 'POST', uri: /^\/v1\.41\/volumes\/create$/, allow: true, rule: 'allow-lifecycle' })
      await assertDecision(stack.plugin, mark, { method: 'GET', uri: /^\/v1\.41\/volumes$/, allow: true, rule: 'allow-reads' })
      await assertDecision(stack.plugin, mark, { method: 'DELETE', uri: new RegExp(`^/v1\\.41/volumes/${name}`), allow: true, rule: 'allow-lifecycle' })
      assert.equal(await stack.dockerd.volumeExists(name), false)
    })

    test('docker network ls', async () => {
      const mark = stack.plugin.mark()
      const r = await docker(cli, ['network', 'ls', '--format', '{{.Name}}'])
      assertExit(r, 0, 'docker network ls')
      assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), ['host', 'none'])
      await assertDecision(stack.plugin, mark, { method: 'GET', uri: /^\/v1\.41\/networks/, allow: true, rule: 'allow-reads' })
    })
  })

  describe(`docker ${cli.label} – dangerous requests are denied with the policy's message`, () => {
    const cases = [
      { name: 'run --privileged', args: ['--privileged'], rule: 'no-privileged', message: 'privileged containers are not allowed' },
      { name: 'run -v /:/host', args: ['-v', '/:/host'], rule: 'no-host-root-mounts', message: 'bind mounts of the host\'s system directories are not allowed' },
      { name: 'run --network host', args: ['--network', 'host'], rule: 'no-host-namespaces', message: 'sharing the host\'s namespaces is not allowed' },
      { name: 'run --pid host', args: ['--pid', 'host'], rule: 'no-host-namespaces', message: 'sharing the host\'s namespaces is not allowed' },
      { name: 'run --cap-add SYS_ADMIN', args: ['--cap-add', 'SYS_ADMIN'], rule: 'no-dangerous-capabilities', message: 'adding this capability is not allowed' },
      { name: 'run --device /dev/null', args: ['--device', '/dev/null:/dev/xnull'], rule: 'no-devices', message: 'host devices are not allowed' },
      { name: 'run --mount type=bind,src=/etc', args: ['--mount', 'type=bind,src=/etc,dst=/host'], rule: 'no-host-root-mounts', message: 'bind mounts of the host\'s system directories are not allowed' },
    ]
    cases.forEach((c, i) => {
      test(`docker ${c.name}`, async () => {
        const name = `denied-${t}-${i}`
        const mark = stack.plugin.mark()
        const r = await docker(cli, ['run', '--rm', '--name', name, ...c.args, TEST_IMAGE, 'true'])
        assertExit(r, 125, `docker ${c.name}`)
        assert.equal(r.stdout, '')
        assert.equal(r.stderr, runErrorText(cli, 'run', stack.denied(`${c.message} (rule ${c.rule})`)))
        await assertDecision(stack.plugin, mark, { method: 'POST', uri: /^\/v1\.41\/containers\/create\?name=denied-/, allow: false, rule: c.rule })
        assert.equal(await stack.dockerd.containerExists(name), false, 'no container was created')
      })
    })

    test('docker volume create with a name a test policy reserves', async () => {
      const name = `forbidden-${t}`
      const mark = stack.plugin.mark()
      const r = await docker(cli, ['volume', 'create', name])
      assertExit(r, 1, 'docker volume create')
      assert.equal(r.stdout, '')
      assert.equal(r.stderr, errorText(stack.denied('volume names starting with forbidden- are reserved (rule e2e-reserved-volume-names)')))
      await assertDecision(stack.plugin, mark, { method: 'POST', uri: /^\/v1\.41\/volumes\/create$/, allow: false, rule: 'e2e-reserved-volume-names' })
      assert.equal(await stack.dockerd.volumeExists(name), false)
    })
  })

  describe(`docker ${cli.label} – users from TLS client certificates`, () => {
    const tlsEnv = (user: string) => ({ DOCKER_HOST: stack.dockerd.tcpHost as string, DOCKER_TLS_VERIFY: '1', DOCKER_CERT_PATH: stack.tls?.certPath(user) as string })

    test('alice (certificate CN) is allowed and named in both phases', async () => {
      const mark = stack.plugin.mark()
      const r = await docker(cli, ['version', '--format', '{{.Server.APIVersion}}'], { env: tlsEnv('alice') })
      assertExit(r, 0, 'docker version as alice')
      assert.equal(r.stdout, '1.41\n')
      await assertDecision(stack.plugin, mark, { method: 'GET', uri: /^\/v1\.41\/version$/, allow: true, rule: 'allow-reads', user: 'alice' })
      await assertDecision(stack.plugin, mark, { phase: 'response', method: 'GET', uri: /^\/v1\.41\/version$/, allow: true, rule: null, user: 'alice' })
    })

    test('mallory is denied by a rule on users; eval gives the same message', async () => {
      const mark = stack.plugin.mark()
      const r = await docker(cli, ['volume', 'ls'], { env: tlsEnv('mallory') })
      assertExit(r, 1, 'docker volume ls as mallory')
      const message = 'mallory is suspended (rule e2e-suspended-user)'
      assert.equal(r.stderr, errorText(stack.denied(message)))
      await assertDecision(stack.plugin, mark, { method: 'GET', uri: /^\/v1\.41\/volumes$/, allow: false, rule: 'e2e-suspended-user', user: 'mallory' })
      const evaluated = await portcullisCli(['eval', '--policies', stack.policiesDir, '--user', 'mallory', '--method', 'GET', '--uri', '/v1.41/volumes', '--json'])
      assert.equal(evaluated.code, 1)
      assert.deepEqual((({ allow, rule, message }) => ({ allow, rule, message }))(JSON.parse(evaluated.out)), { allow: false, rule: 'e2e-suspended-user', message })
    })
  })
}

describe('docker 20.10 – uploads, downloads and streams pass the plugin untouched', () => {
  const cli = { label: '20.10', path: DOCKER_CLI_20 }

  test('image save → load and container export → import (tar bodies are not captured)', async () => {
    const tar = path.join(stack.dir, 'saved.tar')
    assertExit(await docker(cli, ['save', '-o', tar, TEST_IMAGE]), 0, 'docker save')
    const loaded = await docker(cli, ['load', '-i', tar])
    assertExit(loaded, 0, 'docker load')
    assert.equal(loaded.stdout, `Loaded image: ${TEST_IMAGE}\n`)
    assertExit(await docker(cli, ['create', '--name', 'exported', TEST_IMAGE, 'true']), 0, 'docker create')
    const exported = path.join(stack.dir, 'exported.tar')
    assertExit(await docker(cli, ['export', '-o', exported, 'exported']), 0, 'docker export')
    const imported = await docker(cli, ['import', exported, 'portcullis-reimported:latest'])
    assertExit(imported, 0, 'docker import')
    assert.match(imported.stdout, /^sha256:[0-9a-f]{64}\n$/)
    assertExit(await docker(cli, ['rm', 'exported']), 0, 'docker rm')
  })

  test('docker cp of a 10 MiB file into a container and back', async () => {
    const big = path.join(stack.dir, 'big.bin')
    writeFileSync(big, randomBytes(10 * 1024 * 1024))
    assertExit(await docker(cli, ['create', '--name', 'copy', TEST_IMAGE, 'true']), 0, 'docker create')
    const mark = stack.plugin.mark()
    assertExit(await docker(cli, ['cp', big, 'copy:/tmp/big.bin']), 0, 'docker cp in')
    const back = path.join(stack.dir, 'back.bin')
    assertExit(await docker(cli, ['cp', 'copy:/tmp/big.bin', back]), 0, 'docker cp out')
    assert.equal(statSync(back).size, 10 * 1024 * 1024)
    const digest = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex')
    assert.equal(digest(back), digest(big))
    await assertDecision(stack.plugin, mark, { method: 'PUT', uri: /^\/v1\.41\/containers\/copy\/archive\?/, allow: true, rule: 'allow-lifecycle' })
    assertExit(await docker(cli, ['rm', 'copy']), 0, 'docker rm')
  })

  test('a running docker events stream sees a container being created and started', async () => {
    const name = 'streamed'
    const events = stack.dockerd.dockerProcess(DOCKER_CLI_20, ['events', '--filter', `container=${name}`, '--format', '{{.Action}}'])
    let seen = ''
    events.stdout.on('data', (d: Buffer) => { seen += d })
    try {
      const mark = stack.plugin.mark()
      // The stream is open once dockerd asked the plugin about it.
      await assertDecision(stack.plugin, mark, { method: 'GET', uri: /^\/v1\.41\/events\?/, allow: true, rule: 'allow-reads' })
      assertExit(await docker(cli, ['run', '--rm', '--name', name, TEST_IMAGE, 'true']), 0, 'docker run')
      await waitFor('create and start events on the open stream', () => /create\n(attach\n)?start\n/.test(seen), 30_000)
    } finally {
      events.kill('SIGTERM')
    }
  })

  test('an unknown API path is a 404 from dockerd and never reaches the plugin', async () => {
    const mark = stack.plugin.mark()
    const r = await stack.dockerd.curl([], 'http://localhost/v1.41/nope')
    assert.equal(r.status, 404)
    assert.equal(r.body, '{"message":"page not found"}\n')
    // A barrier: dockerd asks the plugin in order, so once this is logged, /nope would have been.
    assert.equal((await stack.dockerd.curl([], 'http://localhost/_ping?barrier=1')).status, 200)
    await stack.plugin.decision(mark, (d) => d.uri === '/_ping?barrier=1', 'the barrier')
    assert.deepEqual(stack.plugin.decisions(mark).filter((d) => d.uri.includes('nope')), [])
  })
})

test('no request made Portcullis answer with an error (HTTP 500)', () => {
  assert.ok(stack.plugin.decisions().length > 0)
  assertNoPluginErrors(stack.plugin)
})
