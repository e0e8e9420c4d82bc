/**
 * Shared fixtures of the discovery tests: temp dirs, controllable fake plugins on real Unix sockets
 * and TCP ports (plain or TLS), clocks that run moby's 30 s budgets in no time, a throwaway CA.
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import { createServer, type AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TestContext } from 'node:test'
import type { Clock } from '../../src/discovery/index.js'

export function tempDir(t: TestContext): string {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-discovery-'))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export interface Recorded {
  method: string
  url: string
  headers: http.IncomingHttpHeaders
  body: string
}

export type Handler = (req: Recorded, res: http.ServerResponse, raw: http.IncomingMessage) => void

export interface FakePlugin {
  /** `unix://<path>`, or `http(s)://127.0.0.1:<port>`. */
  addr: string
  port: number
  requests: Recorded[]
  count(url: string): number
  close(): Promise<void>
}

export type Listen = { socketPath: string } | { tcp: true } | { tls: https.ServerOptions }

/** Answers `Plugin.Activate` with `implements`, echoes everything else. */
export function defaultHandler(implementsList: string[]): Handler {
  return (req, res) => {
    if (req.url === '/Plugin.Activate') return void res.end(JSON.stringify({ Implements: implementsList }))
    res.end(req.body)
  }
}

/** A plugin server recording every request (body read in full before the handler runs). */
export async function startPlugin(t: TestContext, listen: Listen, handler: Handler = defaultHandler(['authz'])): Promise<FakePlugin> {
  const requests: Recorded[] = []
  const onRequest = (raw: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = []
    raw.on('data', (chunk: Buffer) => chunks.push(chunk))
    raw.on('end', () => {
      const rec = { method: raw.method ?? '', url: raw.url ?? '', headers: raw.headers, body: Buffer.concat(chunks).toString('utf8') }
      requests.push(rec)
      handler(rec, res, raw)
    })
  }
  const server = 'tls' in listen ? https.createServer(listen.tls, onRequest) : http.createServer(onRequest)
  await new Promise<void>((resolve) => {
    if ('socketPath' in listen) server.listen(listen.socketPath, resolve)
    else server.listen(0, '127.0.0.1', resolve)
  })
  const port = 'socketPath' in listen ? 0 : (server.address() as AddressInfo).port
  const addr = 'socketPath' in listen ? `unix://${listen.socketPath}` : `${'tls' in listen ? 'https' : 'http'}://127.0.0.1:${port}`
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  t.after(close)
  return { addr, port, requests, count: (url) => requests.filter((r) => r.url === url).length, close }
}

/** A clock whose sleeps return at once and advance virtual time; `onSleep` runs inside each sleep. */
export function fakeClock(onSleep?: (ms: number, now: number) => void | Promise<void>): Clock & { sleeps: number[], elapsed: () => number } {
  let now = 0
  const sleeps: number[] = []
  return {
    sleeps,
    elapsed: () => now,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms)
      now += ms
      await onSleep?.(ms, now)
    },
  }
}

/** A clock whose sleeps wait until aborted (the store's `close()`), to hold a retry loop mid-sleep. */
export function heldClock(): Clock & { sleeping: () => number } {
  let sleeping = 0
  return {
    sleeping: () => sleeping,
    now: () => 0,
    sleep: (_ms, signal) => new Promise<void>((_resolve, reject) => {
      sleeping++
      signal?.addEventListener('abort', () => {
        sleeping--
        reject(new Error('aborted'))
      })
    }),
  }
}

/** Polls `check` until it holds, failing after `deadlineMs`. */
export async function waitFor(check: () => boolean, what: string, deadlineMs = 2000): Promise<void> {
  const end = Date.now() + deadlineMs
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/** Resolves to 'pending' if `promise` has not settled within `ms` (a deadline, not a synchronisation). */
export async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | 'pending'> {
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<'pending'>((resolve) => { timer = setTimeout(() => resolve('pending'), ms) })
  try {
    return await Promise.race([promise, deadline])
  } finally {
    clearTimeout(timer)
  }
}

export interface TestPKI {
  dir: string
  caFile: string
  serverCert: string
  serverKey: string
  clientCert: string
  clientKey: string
  /** Server options requiring a client certificate signed by the CA. */
  mutualTLS: https.ServerOptions
  serverTLS: https.ServerOptions
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' })
}

/** A throwaway CA with a server certificate for 127.0.0.1 and a client certificate, via the openssl CLI. */
export function makePKI(dir: string): TestPKI {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes']
  openssl(dir, 'req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=portcullis test CA')
  const issue = (name: string, subject: string, extensions: string) => {
    writeFileSync(join(dir, `${name}.ext`), extensions)
    openssl(dir, 'req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject)
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`)
  }
  issue('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n')
  issue('client', '/CN=dockerd', 'extendedKeyUsage=clientAuth\n')
  const read = (name: string) => readFileSync(join(dir, name))
  const serverTLS = { key: read('server.key'), cert: read('server.pem') }
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    serverTLS,
    mutualTLS: { ...serverTLS, ca: read('ca.pem'), requestCert: true, rejectUnauthorized: true },
  }
}

export function writeJson(path: string, value: unknown): void {
  writeFileSync(path, JSON.stringify(value))
}

/** A listening Unix socket at `path` (the socket file is what discovery looks for). */
export async function listenSocket(t: TestContext, path: string): Promise<() => Promise<void>> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(path, resolve))
  const close = () => new Promise<void>((resolve) => server.close(() => resolve()))
  t.after(() => (server.listening ? close() : undefined))
  return close
}
