/**
 * End to end, gaps the e2e suite found where dockerd 20.10 executed something the policy denies
 * in its canonical spelling, now closed: a form body behind a second Content-Type header (Go
 * parses by the first, dockerd forwards the last) overriding query parameters.
 * (The bind-source symlink swap between create and start is a limitation of create-time checks;
 * the README's "Known limitations" describes it and what to do.)
 */
import assert from 'node:assert/strict'
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { DOCKER_CLI_20, runProcess, startStack } from '../helpers/dockerd.js'
import type { Stack } from '../helpers/dockerd.js'
import { TEST_IMAGE } from '../helpers/test-image.js'
import { assertExit, RESERVED_CONTAINER_NAMES } from './support.js'

let stack: Stack
before(async () => { stack = await startStack({ policies: RESERVED_CONTAINER_NAMES }) })
after(async () => { await stack?.close() })

const docker = (args: string[]) => stack.dockerd.docker(DOCKER_CLI_20, args)

/**
 * Go's ParseForm reads a form body when the FIRST Content-Type header is a form; dockerd forwards
 * only the LAST value of a repeated header to the plugin. With `application/x-www-form-urlencoded`
 * first and `application/x-tar` last, the plugin sees a tar upload (no body forwarded, a binary
 * type) and trusts the query, while dockerd's handler reads its parameters from the body first.
 */
const DUAL_CONTENT_TYPE = ['-H', 'Content-Type: application/x-www-form-urlencoded', '-H', 'Content-Type: application/x-tar']

describe('a form body hidden behind a second Content-Type header overrides the query', () => {
  test('rename: ?name=fine-… in the query, name=forbidden-… in the body (a rule the test writes)', async () => {
    assertExit(await docker(['create', '--name', 'dual-ct', TEST_IMAGE, 'true']), 0, 'docker create')
    const r = await stack.dockerd.curl(['-X', 'POST', ...DUAL_CONTENT_TYPE, '--data-binary', 'name=forbidden-dual'], 'http://localhost/v1.41/containers/dual-ct/rename?name=fine-dual')
    const renamed = await stack.dockerd.containerExists('forbidden-dual')
    assert.equal(r.status, 403, `dockerd answered ${r.status} and the container was ${renamed ? '' : 'not '}renamed to forbidden-dual`)
    assert.equal(renamed, false)
  })

  test('shipped no-host-network-builds: networkmode=host in a form body after 4 KiB runs the build on the host network', async () => {
    // The build context comes from a URL in the query (a local HTTP server), so that the body
    // can be the form. dockerd's /build handler buffers the body's first read (≤ 4 KiB) before
    // it parses the form, so the form's useful part comes after 8 KiB of padding.
    const ctx = path.join(stack.dir, 'ctx')
    mkdirSync(ctx)
    writeFileSync(path.join(ctx, 'Dockerfile'), `FROM ${TEST_IMAGE}\nRUN ls /sys/class/net > /net\n`)
    assertExit(await runProcess('tar', ['-C', ctx, '-cf', path.join(stack.dir, 'ctx.tar'), 'Dockerfile']), 0, 'tar')
    const tarPath = path.join(stack.dir, 'ctx.tar')
    const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/x-tar' }).end(readFileSync(tarPath)))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const port = (server.address() as AddressInfo).port
      const form = `pad=${'a'.repeat(8192)}&networkmode=host`
      const r = await stack.dockerd.curl(['-X', 'POST', ...DUAL_CONTENT_TYPE, '--data-binary', '@-'], `http://localhost/v1.41/build?t=gap-hostnet&nocache=1&remote=http://127.0.0.1:${port}/ctx.tar`, form)
      let seen = '(no image)'
      if (r.status === 200) {
        const run = await docker(['run', '--rm', 'gap-hostnet', 'cat', '/net'])
        seen = run.stdout.split('\n').filter(Boolean).join(' ')
      }
      const host = readdirSync('/sys/class/net').sort().join(' ')
      assert.equal(r.status, 403, `dockerd answered ${r.status}; the build's RUN saw the interfaces "${seen}" (the host has "${host}")`)
    } finally {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  })
})
