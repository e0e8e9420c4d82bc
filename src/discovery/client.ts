/**
 * moby's plugin `Client` (`client.go`, `transport/http.go`, go-connections `sockets`): JSON-over-HTTP
 * calls to one plugin address, sent the way dockerd sends them, retried the way dockerd retries.
 */
import http from 'node:http'
import https from 'node:https'
import type { Socket } from 'node:net'
import { gunzipSync } from 'node:zlib'
import {
  PluginCallError, PluginClientConfigError, PluginResponseError, PluginTimeoutError, PluginTransportError,
} from './errors.js'
import { decodeFirstValue, decodeStruct, goJSONEncode, GoJSONError } from './go-json.js'
import { errnoText, goDuration, goQuote } from '../go/text.js'
import { escapedPath, GoURLError, parseGoURL, type GoURL } from '../go/url.js'
import { DEFAULT_RETRY_BUDGET_MS, realClock, withRetry, type Clock } from './retry.js'
import type { TLSOptions } from './spec-file.js'
import { goTLSClientOptions } from './tls.js'

/** The `Accept` header dockerd sends (moby `transport.VersionMimetype`). */
export const VERSION_MIMETYPE = 'application/vnd.docker.plugins.v1.2+json'
/** The `Host` header for socket addresses (moby `dummyHost`, since Engine 24.0.5 / 25.0). */
export const DUMMY_HOST = 'plugin.moby.localhost'

const MAX_UNIX_SOCKET_PATH = 108
const DIAL_TIMEOUT_MS = 10_000
const IDLE_TIMEOUT_MS = 30_000
const MAX_IDLE_CONNECTIONS = 6

export interface PluginClientOptions {
  /** The spec's TLS settings; `null`/absent = verified HTTPS with the default roots. */
  tlsConfig?: TLSOptions | null
  /** Whole-request timeout (moby `NewClientWithTimeout`); 0/absent = none, as for v1 plugins. */
  timeoutMs?: number
  /** Connect timeout; default 10 s as go-connections. */
  dialTimeoutMs?: number
  clock?: Clock
  /** Retry budget of every call; default 30 s. */
  retryBudgetMs?: number
  /** Receives moby's warnings ("Unable to connect to plugin: …, retrying in 1s"). */
  log?: (line: string) => void
}

export interface CallOptions {
  /** false: a single attempt (moby `callWithRetry(…, false)`). Default true. */
  retry?: boolean
  /** Per-call deadline (moby `WithRequestTimeout`), covering the reply body too. */
  timeoutMs?: number
  retryBudgetMs?: number
  /** false: do not decode the 200 body (moby `Call` with a nil result); resolves to undefined. */
  decode?: boolean
  signal?: AbortSignal
}

type Target = { network: 'unix', socketPath: string } | { network: 'tcp', hostname: string, port: number }

interface Exchange {
  status: number
  body: Buffer
}

interface Deadline {
  ms: number
  message: string
}

/** A failure after the status line arrived: never retried. */
class BodyReadError extends Error {
  constructor(readonly status: number, message: string) {
    super(message)
  }
}

/** Go's `net/http` split of `host[:port]`, with the scheme's default port. */
function dialTarget(host: string, scheme: 'http' | 'https'): Target {
  let hostname = host
  let port = ''
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']')
    hostname = host.slice(1, close)
    port = host.slice(close + 2)
  } else if (host.includes(':')) {
    hostname = host.slice(0, host.lastIndexOf(':'))
    port = host.slice(host.lastIndexOf(':') + 1)
  }
  return { network: 'tcp', hostname, port: port === '' ? (scheme === 'https' ? 443 : 80) : Number(port) }
}

const UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT',
])

function dialText(target: Target, address?: string, port?: number): string {
  if (target.network === 'unix') return `dial unix ${target.socketPath}`
  const host = address ?? target.hostname
  return `dial tcp ${host.includes(':') ? `[${host}]` : host}:${port ?? target.port}`
}

/** The cause part of Go's `*url.Error` for a Node transport error. */
function transportText(err: NodeJS.ErrnoException & { address?: string, port?: number, reason?: string }, target: Target): string {
  const code = err.code ?? ''
  if (err.syscall === 'connect') return `${dialText(target, err.address, err.port)}: connect: ${errnoText(err)}`
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `dial tcp: lookup ${target.network === 'tcp' ? target.hostname : ''}: no such host`
  if (code === 'ECONNRESET') return err.message === 'socket hang up' ? 'EOF' : 'read: connection reset by peer'
  if (code === 'EPIPE') return 'write: broken pipe'
  if (UNKNOWN_AUTHORITY.has(code)) return 'tls: failed to verify certificate: x509: certificate signed by unknown authority'
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    return 'tls: failed to verify certificate: x509: certificate has expired or is not yet valid'
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `tls: failed to verify certificate: x509: ${err.reason ?? err.message}`
  return err.message
}

/** moby's non-200 rule: a JSON body with a non-empty string `Err` gives the text, else the raw body. */
function remoteErr(text: string): string {
  try {
    const err = decodeStruct(JSON.parse(text), { goName: 'responseErr', fields: { Err: 'string' } }, 'plugins.responseErr').Err
    if (typeof err === 'string' && err !== '') return err
  } catch {
    // not JSON, or Err not a string: "old way", the raw body
  }
  return text
}

function gunzip(body: Buffer, status: number): Buffer {
  try {
    return gunzipSync(body)
  } catch {
    throw new BodyReadError(status, body[0] === 0x1f && body[1] === 0x8b ? 'unexpected EOF' : 'gzip: invalid header')
  }
}

/** `http.NewRequest(POST, "/"+method)`: the request-target and the path Go logs. */
function requestTarget(method: string): { target: string, path: string } {
  const url: GoURL = parseGoURL(method.startsWith('/') ? method : '/' + method)
  const query = url.forceQuery || url.rawQuery !== '' ? '?' + url.rawQuery : ''
  return { target: (escapedPath(url) || '/') + query, path: url.path }
}

export class PluginClient {
  readonly addr: string
  /** `https` for `https://` addresses, `http` for everything else (moby `httpScheme`). */
  readonly scheme: 'http' | 'https'
  /** The `Host` header: the address's host, or `plugin.moby.localhost` for sockets. */
  readonly hostHeader: string
  private readonly target: Target
  private readonly agent: http.Agent
  /** Go asks for gzip on TCP only (compression is disabled for sockets). */
  private readonly compression: boolean
  private readonly closed = new AbortController()
  private readonly clock: Clock
  private readonly retryBudgetMs: number
  private readonly timeoutMs: number
  private readonly dialTimeoutMs: number
  private readonly log: (line: string) => void

  /** Throws `PluginClientConfigError` where moby's `NewClient` fails (TLS files, address, socket path). */
  constructor(addr: string, options: PluginClientOptions = {}) {
    this.addr = addr
    this.clock = options.clock ?? realClock
    this.retryBudgetMs = options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS
    this.timeoutMs = options.timeoutMs ?? 0
    this.dialTimeoutMs = options.dialTimeoutMs ?? DIAL_TIMEOUT_MS
    this.log = options.log ?? (() => {})
    const tlsOptions = options.tlsConfig ? goTLSClientOptions(options.tlsConfig) : {}
    let url: GoURL
    try {
      url = parseGoURL(addr)
    } catch (err) {
      if (err instanceof GoURLError) throw new PluginClientConfigError(err.message)
      throw err
    }
    // Valid local socket addresses have an empty host; `unix://var/x.sock` dials socket `var`.
    const socket = url.host !== '' ? url.host : url.path
    if (url.scheme === 'npipe') throw new PluginClientConfigError('protocol not available')
    if (url.scheme === 'unix' && Buffer.byteLength(socket) > MAX_UNIX_SOCKET_PATH) {
      throw new PluginClientConfigError(`unix socket path ${goQuote(socket)} is too long`)
    }
    this.scheme = url.scheme === 'https' ? 'https' : 'http'
    this.hostHeader = url.host === '' || url.scheme === 'unix' ? DUMMY_HOST : url.host
    this.target = url.scheme === 'unix' ? { network: 'unix', socketPath: socket } : dialTarget(this.hostHeader, this.scheme)
    this.compression = this.target.network === 'tcp'
    const agentOptions = { keepAlive: true, maxFreeSockets: MAX_IDLE_CONNECTIONS, timeout: IDLE_TIMEOUT_MS }
    this.agent = this.scheme === 'https' ? new https.Agent({ ...agentOptions, ...tlsOptions }) : new http.Agent(agentOptions)
  }

  /**
   * POSTs `args` (Go-JSON-encoded plus "\n"; nothing for undefined/null) to `/<method>` and
   * resolves to the decoded 200 reply. Transport failures are retried per moby (the full body is
   * re-sent each time); a non-200 reply throws `PluginCallError` at once.
   */
  async call<T = unknown>(method: string, args?: unknown, options: CallOptions = {}): Promise<T> {
    const body = args === undefined || args === null ? Buffer.alloc(0) : Buffer.from(goJSONEncode(args), 'utf8')
    const { target, path } = requestTarget(method)
    const url = `${this.scheme}://${this.hostHeader}${target}`
    const signal = options.signal ? AbortSignal.any([options.signal, this.closed.signal]) : this.closed.signal
    let exchange: Exchange
    try {
      exchange = await withRetry(() => this.exchange(method, url, target, body, this.deadline(options), signal), {
        clock: this.clock,
        budgetMs: options.retryBudgetMs ?? this.retryBudgetMs,
        retry: options.retry ?? true,
        retryable: (err) => err instanceof PluginTransportError,
        signal,
        onRetry: (err, ms) => this.log(`Unable to connect to plugin: ${this.hostHeader}${path}: ${(err as Error).message}, retrying in ${goDuration(ms)}`),
      })
    } catch (err) {
      if (!(err instanceof BodyReadError)) throw err
      throw err.status === 200 ? new PluginResponseError(method, err.message) : new PluginCallError(method, err.status, err.message)
    }
    const text = exchange.body.toString('utf8')
    if (exchange.status !== 200) throw new PluginCallError(method, exchange.status, remoteErr(text))
    if (options.decode === false) return undefined as T
    try {
      return decodeFirstValue(text) as T
    } catch (err) {
      if (!(err instanceof GoJSONError)) throw err
      this.log(`${method}: error reading plugin resp: ${err.message}`)
      throw new PluginResponseError(method, err.message)
    }
  }

  /** Closes idle keep-alive connections and stops calls in flight and retries. */
  close(): void {
    this.closed.abort()
    this.agent.destroy()
  }

  private deadline(options: CallOptions): Deadline | null {
    const deadlines: Deadline[] = []
    if (this.timeoutMs > 0) deadlines.push({ ms: this.timeoutMs, message: 'context deadline exceeded (Client.Timeout exceeded while awaiting headers)' })
    if ((options.timeoutMs ?? 0) > 0) deadlines.push({ ms: options.timeoutMs ?? 0, message: 'context deadline exceeded' })
    return deadlines.sort((a, b) => a.ms - b.ms)[0] ?? null
  }

  private preflightError(): string | null {
    const target = this.target
    if (target.network === 'unix') return target.socketPath === '' ? 'dial unix: missing address' : null
    return Number.isInteger(target.port) && target.port <= 0xffff ? null : `dial tcp: address ${target.port}: invalid port`
  }

  /** One attempt: resolves with the whole reply, or rejects (`PluginTransportError` before the status line). */
  private exchange(method: string, url: string, path: string, body: Buffer, deadline: Deadline | null, signal: AbortSignal): Promise<Exchange> {
    const preflight = this.preflightError()
    if (preflight !== null) return Promise.reject(new PluginTransportError(method, url, preflight))
    if (signal.aborted) return Promise.reject(new PluginTransportError(method, url, 'context canceled'))
    return new Promise<Exchange>((resolve, reject) => {
      const timers: NodeJS.Timeout[] = []
      let responded = false
      let stop: { text: string, timeout: boolean } | null = null
      let settled = false
      const settle = (action: () => void) => {
        if (settled) return
        settled = true
        timers.forEach(clearTimeout)
        signal.removeEventListener('abort', onAbort)
        action()
      }
      const fail = (err: NodeJS.ErrnoException, status: number) => settle(() => {
        const text = stop?.text ?? transportText(err, this.target)
        if (responded) return reject(new BodyReadError(status, text))
        reject(stop?.timeout ? new PluginTimeoutError(method, url, text, { cause: err }) : new PluginTransportError(method, url, text, { cause: err }))
      })
      const abortWith = (text: string, timeout: boolean) => {
        stop = { text, timeout }
        req.destroy(new Error(text))
      }
      const onAbort = () => abortWith('context canceled', false)
      const headers: Record<string, string> = {
        Host: this.hostHeader,
        'User-Agent': 'Go-http-client/1.1',
        'Content-Length': String(body.length),
        Accept: VERSION_MIMETYPE,
      }
      if (this.compression) headers['Accept-Encoding'] = 'gzip'
      const where = this.target.network === 'unix' ? { socketPath: this.target.socketPath } : { host: this.target.hostname, port: this.target.port }
      const req = (this.scheme === 'https' ? https : http).request({ agent: this.agent, method: 'POST', path, headers, ...where })
      signal.addEventListener('abort', onAbort)
      if (deadline !== null) timers.push(setTimeout(() => abortWith(deadline.message, true), deadline.ms))
      req.on('socket', (socket: Socket) => {
        if (!socket.connecting) return
        const dialTimer = setTimeout(() => abortWith(`${dialText(this.target)}: i/o timeout`, true), this.dialTimeoutMs)
        timers.push(dialTimer)
        socket.once('connect', () => clearTimeout(dialTimer))
      })
      req.on('error', (err) => fail(err, 0))
      req.on('response', (res) => {
        responded = true
        const status = res.statusCode ?? 0
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', (err) => fail(err, status))
        res.on('close', () => { if (!res.complete) fail(Object.assign(new Error('unexpected EOF'), { code: 'EOF' }), status) })
        res.on('end', () => settle(() => {
          const raw = Buffer.concat(chunks)
          try {
            const gzipped = this.compression && res.headers['content-encoding'] === 'gzip'
            resolve({ status, body: gzipped ? gunzip(raw, status) : raw })
          } catch (err) {
            reject(err)
          }
        }))
      })
      req.end(body)
    })
  }
}
