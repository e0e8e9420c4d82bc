/**
 * npm run bench: the numbers behind "fast enough to be invisible".
 *  1. the engine alone: decisions per second for 10, 100 and 1,000 rules, and how many rules a
 *     request looks at (the method/segment index at work);
 *  2. the shipped policies on a realistic request mix;
 *  3. reloading a 1,000-rule set from disk;
 *  4. the server over a Unix socket, as dockerd calls it (autocannon, keep-alive).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import { compileSources, evaluate } from '../src/policy/index.js'
import type { CompiledPolicySet, RequestInput } from '../src/policy/index.js'
import { prepareRequest } from '../src/dockerd/request.js'
import { loadPolicyDir } from '../src/store/load.js'
import { hostEnv } from '../src/host-env.js'
import { buildApp } from '../src/server/app.js'
import { listenOnUnixSocket } from '../src/server/listen.js'
import { PolicyStore } from '../src/store/policy-store.js'
import { createLogger } from '../src/logging/logger.js'
import { watchPolicyStore } from '../src/store/watch.js'
import { once } from 'node:events'

const SEGMENTS = ['containers', 'images', 'volumes', 'networks', 'exec', 'plugins', 'swarm', 'services', 'nodes', 'secrets', 'configs', 'build', 'system', 'distribution', 'session', 'tasks', 'events', 'info', 'version', 'auth']
const METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'HEAD']

/** N generated rules spread over methods and path segments, a fifth of them with body conditions. */
function generatedPolicy(n: number): string {
  const rules: string[] = ['rules:']
  for (let i = 0; i < n; i++) {
    const seg = SEGMENTS[i % SEGMENTS.length] as string
    const method = METHODS[i % METHODS.length] as string
    const effect = i % 3 === 0 ? 'deny' : 'allow'
    rules.push(`  - id: r${i}`, `    effect: ${effect}`, '    match:', `      methods: [${method}]`, `      paths: ["/${seg}/x${i}/*", "/${seg}/y${i}"]`)
    if (i % 5 === 0) rules.push('      body: {HostConfig.Memory: 7}')
    if (i % 7 === 0) rules.push('      users: ["u-*"]')
  }
  rules.push('  - id: allow-ping', '    effect: allow', '    match: {paths: ["/_ping"]}')
  return rules.join('\n') + '\n'
}

const body = (o: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(o))
const MIX: RequestInput[] = [
  { method: 'GET', uri: '/_ping' },
  { method: 'GET', uri: '/v1.41/containers/json?all=1' },
  { method: 'POST', uri: '/v1.41/containers/create?name=web', body: body({ Image: 'busybox', Cmd: ['echo', 'hi'], HostConfig: { Binds: ['/srv/data:/data'], Memory: 7 } }) },
  { method: 'POST', uri: '/v1.41/containers/abc/start' },
  { method: 'DELETE', uri: '/v1.41/volumes/x17/data' },
  { method: 'POST', uri: '/v1.41/volumes/create', body: body({ Name: 'v', Driver: 'local' }) },
  { method: 'GET', uri: '/v1.41/images/json', user: 'u-1' },
  { method: 'POST', uri: '/v1.41/containers/%63reate', body: body({ Image: 'x', HostConfig: { Privileged: true } }) },
]

function opsPerSecond(fn: () => void, minMs = 600): number {
  for (let i = 0; i < 2000; i++) fn() // warm up
  let n = 0
  const start = performance.now()
  let elapsed = 0
  while (elapsed < minMs) {
    for (let i = 0; i < 500; i++) fn()
    n += 500
    elapsed = performance.now() - start
  }
  return (n / elapsed) * 1000
}

function compile(text: string): CompiledPolicySet {
  const r = compileSources([{ name: 'bench.yaml', text }], 'bench')
  if (!r.ok) throw new Error(r.errors.map((e) => e.message).join('\n'))
  return r.set
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US')
}

async function engine(): Promise<void> {
  console.log('engine alone (evaluate, request mix of 8 requests incl. JSON bodies):')
  for (const n of [10, 100, 1000]) {
    const set = compile(generatedPolicy(n))
    let i = 0
    const rate = opsPerSecond(() => { evaluate(set, MIX[i++ % MIX.length] as RequestInput, 'request', hostEnv) })
    const looked = MIX.map((r) => { const p = prepareRequest(r); return set.index.request.candidates(p.method, p.path).length })
    const avg = looked.reduce((a, b) => a + b, 0) / looked.length
    console.log(`  ${String(n).padStart(5)} rules: ${fmt(rate).padStart(9)} decisions/s, rules looked at per request: avg ${avg.toFixed(1)}, max ${Math.max(...looked)}`)
  }
}

async function shipped(): Promise<void> {
  const loaded = await loadPolicyDir(path.resolve('policies'))
  if (!loaded.ok) throw new Error('shipped policies invalid')
  let i = 0
  const rate = opsPerSecond(() => { evaluate(loaded.set, MIX[i++ % MIX.length] as RequestInput, 'request', hostEnv) })
  console.log(`shipped policies (${loaded.set.rules.length} rules): ${fmt(rate)} decisions/s`)
}

async function reload(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'portcullis-bench-'))
  const text = generatedPolicy(100)
  for (let f = 0; f < 10; f++) await writeFile(path.join(dir, `p${f}.yaml`), text.replace(/id: r(\d+)/g, `id: f${f}r$1`).replace('id: allow-ping', `id: allow-ping-${f}`))
  const times: number[] = []
  for (let k = 0; k < 12; k++) {
    const t = performance.now()
    const r = await loadPolicyDir(dir)
    times.push(performance.now() - t)
    if (!r.ok) throw new Error('bench set invalid')
  }
  times.sort((a, b) => a - b)
  console.log(`reload of a 1,000-rule set (10 files, read + parse + validate + compile): median ${times[6]?.toFixed(1)} ms, max ${times.at(-1)?.toFixed(1)} ms`)
  await rm(dir, { recursive: true, force: true })
}

async function hotReload(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'portcullis-bench-'))
  const text = generatedPolicy(1000)
  await writeFile(path.join(dir, 'p.yaml'), text)
  const opened = await PolicyStore.open(dir)
  if (!opened.ok) throw new Error('bench set invalid')
  const watcher = watchPolicyStore(opened.store, { pollIntervalMs: 0 })
  await watcher.ready
  const times: number[] = []
  for (let k = 0; k < 10; k++) {
    const reloaded = once(opened.store, 'reloaded')
    const t = performance.now()
    await writeFile(path.join(dir, 'p.yaml'), text.replace('id: allow-ping', `id: allow-ping-${k}`))
    await reloaded
    times.push(performance.now() - t)
  }
  watcher.close()
  times.sort((a, b) => a - b)
  console.log(`hot reload, file saved → new revision serving (1,000 rules, file watching, 50 ms debounce): median ${times[5]?.toFixed(0)} ms, max ${times.at(-1)?.toFixed(0)} ms`)
  await rm(dir, { recursive: true, force: true })
}

async function server(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'portcullis-bench-'))
  const opened = await PolicyStore.open(path.resolve('policies'))
  if (!opened.ok) throw new Error('shipped policies invalid')
  const app = buildApp({ policies: opened.store, logger: createLogger('silent'), env: hostEnv })
  const socketPath = path.join(dir, 'bench.sock')
  await listenOnUnixSocket(app, socketPath)
  const create = JSON.stringify({ RequestMethod: 'POST', RequestUri: '/v1.41/containers/create', RequestBody: Buffer.from(JSON.stringify({ Image: 'busybox', HostConfig: { Binds: ['/srv:/srv'] } })).toString('base64'), RequestHeaders: { 'Content-Type': 'application/json' } })
  for (const [label, payload] of [['GET /_ping', JSON.stringify({ RequestMethod: 'GET', RequestUri: '/_ping' })], ['POST /containers/create with a body', create]] as const) {
    const r = await autocannon({ url: 'http://localhost/AuthZPlugin.AuthZReq', socketPath, method: 'POST', body: payload, connections: 6, duration: 3 })
    console.log(`server over a Unix socket, ${label} (6 keep-alive connections, as dockerd's pool): ${fmt(r.requests.average)} req/s, latency p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, errors ${r.errors + r.non2xx}`)
  }
  await app.close()
  await rm(dir, { recursive: true, force: true })
}

await engine()
await shipped()
await reload()
await hotReload()
await server()
