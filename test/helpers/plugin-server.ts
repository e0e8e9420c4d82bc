/**
 * Starts the real plugin server on a Unix socket in a fresh temporary directory and reaches it
 * the way dockerd would: through the discovery client (registry lookup by name → Plugin.Activate
 * → calls). Raw requests (malformed bodies) go through node:http on the same socket.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Writable } from 'node:stream'
import { LocalRegistry, Plugins } from '../../src/discovery/index.js'
import type { ActivePlugin } from '../../src/discovery/index.js'
import { hostEnv, resolveNames } from '../../src/host-env.js'
import { createLogger } from '../../src/logging/logger.js'
import { buildApp } from '../../src/server/app.js'
import type { AppOptions } from '../../src/server/app.js'
import { listenOnUnixSocket } from '../../src/server/listen.js'
import { PolicyStore } from '../../src/store/policy-store.js'
import { watchPolicyStore } from '../../src/store/watch.js'
import type { WatchOptions } from '../../src/store/watch.js'
import { formatError } from '../../src/policy/index.js'

export interface RunningPlugin {
  name: string
  dir: string
  socket: string
  policiesDir: string
  store: PolicyStore
  /** Decision log lines so far, parsed. */
  logs(): Array<Record<string, unknown>>
  /** The plugin as dockerd finds and activates it. */
  plugin(): Promise<ActivePlugin>
  /** POST one authz call through the discovery client; resolves to the decoded reply. */
  call(method: string, payload: unknown): Promise<unknown>
  /** A raw HTTP request on the socket. */
  raw(method: string, urlPath: string, body?: Buffer | string, headers?: Record<string, string>): Promise<{ status: number; body: string; json: unknown }>
  close(): Promise<void>
}

export async function tempDir(prefix = 'portcullis-test-'): Promise<string> {
  return mkdtemp(path.join(tmpdir(), prefix))
}

/** Writes `files` (relative path → text) under `dir`. */
export async function writeFiles(dir: string, files: Record<string, string>): Promise<void> {
  for (const [rel, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true })
    await writeFile(path.join(dir, rel), text)
  }
}

export async function startPlugin(options: { policiesDir?: string; policies?: Record<string, string>; name?: string; watch?: WatchOptions; offload?: AppOptions['offload'] } = {}): Promise<RunningPlugin> {
  const dir = await tempDir()
  const name = options.name ?? 'portcullis-test'
  let policiesDir = options.policiesDir
  if (!policiesDir) {
    policiesDir = path.join(dir, 'policies')
    await writeFiles(policiesDir, options.policies ?? {})
  }
  const opened = await PolicyStore.open(policiesDir)
  if (!opened.ok) throw new Error(`invalid test policies:\n${opened.errors.map(formatError).join('\n')}`)
  const lines: string[] = []
  const sink = new Writable({ write(chunk, _enc, done) { lines.push(...String(chunk).split('\n').filter(Boolean)); done() } })
  const app = buildApp({ policies: opened.store, logger: createLogger('info', sink), env: hostEnv, resolveNames, offload: options.offload })
  const socket = path.join(dir, `${name}.sock`)
  await listenOnUnixSocket(app, socket)
  const watcher = options.watch ? watchPolicyStore(opened.store, options.watch) : undefined
  await watcher?.ready
  const plugins = new Plugins({ registry: new LocalRegistry({ socketDir: dir, specDirs: [] }), retryBudgetMs: 2000 })
  let active: ActivePlugin | undefined
  const plugin = async (): Promise<ActivePlugin> => (active ??= await plugins.get(name, 'authz'))
  return {
    name,
    dir,
    socket,
    policiesDir,
    store: opened.store,
    logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    plugin,
    call: async (method, payload) => (await plugin()).client.call(method, payload),
    raw: (method, urlPath, body, headers = {}) => rawRequest(socket, method, urlPath, body, headers),
    close: async () => {
      watcher?.close()
      plugins.close()
      await app.close()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

export function rawRequest(socketPath: string, method: string, urlPath: string, body?: Buffer | string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; json: unknown }> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.isBuffer(body) ? body : Buffer.from(body)
    const req = request({ socketPath, path: urlPath, method, headers: { ...(data ? { 'content-length': String(data.length) } : {}), ...headers } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json: unknown
        try { json = JSON.parse(text) } catch { json = undefined }
        resolve({ status: res.statusCode ?? 0, body: text, json })
      })
    })
    req.on('error', reject)
    if (data) req.write(data)
    req.end()
  })
}

/** An AuthZReq payload as dockerd builds it; `body` is JSON-encoded and base64ed. */
export function payload(method: string, uri: string, body?: unknown, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const p: Record<string, unknown> = { RequestMethod: method, RequestUri: uri, ...extra }
  if (body !== undefined) p.RequestBody = Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)).toString('base64')
  return p
}
