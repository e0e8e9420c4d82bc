/**
 * The end-to-end stack: the built `portcullis serve` (on a socket in /run/docker/plugins, or on TCP
 * announced by a spec file in /etc/docker/plugins) and, in front of it, a private dockerd 20.10 run
 * the way ../shared/docs/real-dockerd.md runs it on these machines: its own temporary data and exec
 * roots and API socket, no bridge and no iptables (the default network would change the host's
 * firewall), vfs storage, `deprecated-key-path` so that it does not write /etc/docker/key.json.
 *
 * Everything started here is torn down by PID in reverse order — containers, dockerd (SIGTERM, then
 * SIGKILL after a deadline), whatever of its containerd and shims is left, its mounts, temporary
 * directories, sockets and spec files — from `close()` (an `after` hook), on SIGINT/SIGTERM, and as
 * a last resort synchronously at process exit. Nothing is installed on import: test runners load
 * helper files as test files.
 */
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess, ChildProcessWithoutNullStreams } from 'node:child_process'
import { createHash } from 'node:crypto'
import { closeSync, cpSync, existsSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DecisionLogLine } from '../../src/decision/sink.js'
import { makePKI } from '../discovery/support.js'
import { socketAccepts, waitFor } from './cli.js'
import { bindableDir, removeBindableDir, repoPath } from './paths.js'
import { rawRequest, tempDir, writeFiles } from './plugin-server.js'
import { importTestImage } from './test-image.js'

export const DOCKERD = '/usr/sbin/dockerd'
/** Debian's docker.io CLI, 20.10: always there where dockerd is. */
export const DOCKER_CLI_20 = '/usr/bin/docker'
/** A newer CLI some machines have; pinned by full path because it sits ahead in PATH. */
export const DOCKER_CLI_28 = '/usr/local/bin/docker'
export const PLUGIN_SOCKET_DIR = '/run/docker/plugins'
export const PLUGIN_SPEC_DIR = '/etc/docker/plugins'

/**
 * The CLI built next to this file (dist/src/cli/main.js, or the same path under another --outDir):
 * the one compiled with the tests that drive it. (helpers/cli.ts `BIN` always names dist/.)
 */
export const PORTCULLIS_BIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))

export interface DockerCli {
  /** `20.10` or `28.x`, for test names. */
  label: string
  path: string
}

/** The docker CLIs to run key scenarios with: 20.10 always, the 28.x one when installed. */
export function dockerClis(): DockerCli[] {
  const clis = [{ label: '20.10', path: DOCKER_CLI_20 }]
  if (existsSync(DOCKER_CLI_28)) clis.push({ label: '28.x', path: DOCKER_CLI_28 })
  return clis
}

/** Fails — never skips — when the suite cannot run: under CI=true and outside it alike. */
export function requireDockerd(): void {
  const missing = [DOCKERD, DOCKER_CLI_20].filter((p) => !existsSync(p))
  if (missing.length === 0) return
  const where = process.env.CI === 'true' ? 'CI=true: .ci/run must install it' : 'install it to run the end-to-end suite'
  throw new Error(`the end-to-end suite needs Debian's docker.io (dockerd 20.10 and its CLI), but ${missing.join(' and ')} is missing (${where}: apt-get install -y --no-install-recommends docker.io busybox-static curl openssl)`)
}

// ---------------------------------------------------------------------------------------------
// Cleanup registry: every resource is registered when created and removed when closed.

interface Resource {
  what: string
  close(): Promise<void>
  /** Synchronous best effort, for process exit. */
  emergency(): void
}

const live: Resource[] = []
let handlersInstalled = false

function track(resource: Resource): void {
  if (!handlersInstalled) {
    handlersInstalled = true
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        // Under `node --test` the runner sends SIGTERM and exits at once: from then on every write
        // to stdout fails (EPIPE), and the test harness, reporting the interrupted test, would die
        // of it (exit code 7, no 'exit' event) halfway through the clean-up.
        for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined)
        // A hard deadline: the exit handler below still runs the synchronous clean-up.
        setTimeout(() => process.exit(signal === 'SIGINT' ? 130 : 143), 45_000).unref()
        void closeAll().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
      })
    }
    process.once('exit', () => {
      for (const r of [...live].reverse()) {
        try { r.emergency() } catch { /* best effort */ }
      }
    })
  }
  live.push(resource)
}

function untrack(resource: Resource): void {
  const i = live.indexOf(resource)
  if (i >= 0) live.splice(i, 1)
}

/** Tracks `resource` and runs `start`; if that fails, closes what it left and rethrows. */
async function started<T extends Resource>(resource: T, start: () => Promise<void>): Promise<T> {
  track(resource)
  try {
    await start()
  } catch (e) {
    await resource.close()
    throw e
  }
  return resource
}

async function closeAll(): Promise<void> {
  for (const r of [...live].reverse()) await r.close().catch(() => undefined)
}

// ---------------------------------------------------------------------------------------------
// Processes

export interface ProcessResult {
  code: number | null
  stdout: string
  stderr: string
}

/** Runs a program to completion (killing it after `timeoutMs`, which is then an error). */
export function runProcess(file: string, args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string | Buffer; timeoutMs?: number; cwd?: string } = {}): Promise<ProcessResult> {
  const timeoutMs = options.timeoutMs ?? 60_000
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: options.env ?? process.env, cwd: options.cwd, stdio: ['pipe', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    const err: Buffer[] = []
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => err.push(d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${file} ${args.join(' ')} did not finish within ${timeoutMs} ms; stdout: ${Buffer.concat(out).toString()}; stderr: ${Buffer.concat(err).toString()}`))
    }, timeoutMs)
    child.on('error', (e) => { clearTimeout(timer); reject(e) })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() })
    })
    child.stdin.on('error', () => undefined)
    child.stdin.end(options.stdin ?? '')
  })
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/** Waits for `child` to exit; SIGKILL after `ms`. Resolves when it is gone. */
async function stopChild(child: ChildProcess, signal: NodeJS.Signals, ms: number): Promise<void> {
  if (exited(child)) return
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill(signal)
  const timer = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), ms).unref())
  if (await Promise.race([gone, timer]) === 'late' && !exited(child)) {
    child.kill('SIGKILL')
    await gone
  }
}

/** A free TCP port on 127.0.0.1 (the OS picks it; it is free again when this resolves). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

// ---------------------------------------------------------------------------------------------
// The plugin

/** One line of the decision log (`{"msg":"decision",…}` on serve's stdout). */
export type Decision = DecisionLogLine

export interface PortcullisOptions {
  name: string
  policiesDir: string
  /** `unix` (a socket in /run/docker/plugins) or `tcp` (127.0.0.1, spec file in /etc/docker/plugins). */
  transport: 'unix' | 'tcp'
  /** More `serve` flags (e.g. `--no-watch`). */
  serveArgs?: string[]
}

let pluginCount = 0
/** A plugin name no other run or suite uses: dockerd looks plugins up by name in shared directories. */
export function uniquePluginName(): string {
  return `portcullis-e2e-${process.pid}-${++pluginCount}`
}

/** `portcullis serve` as a process, with its log lines parsed. */
export class Portcullis implements Resource {
  readonly what: string
  /** Every JSON log line so far (stdout and stderr), in order. */
  readonly lines: Array<Record<string, unknown>> = []
  /** Everything it printed, for failure messages. */
  output = ''
  child: ChildProcess | undefined
  /** `tcp://127.0.0.1:PORT` once listening on TCP (kept across restarts). */
  address: string | undefined

  private constructor(readonly options: PortcullisOptions) {
    this.what = `portcullis ${options.name}`
  }

  get name(): string { return this.options.name }
  get socket(): string { return path.join(PLUGIN_SOCKET_DIR, `${this.options.name}.sock`) }
  get specFile(): string { return path.join(PLUGIN_SPEC_DIR, `${this.options.name}.spec`) }
  get pid(): number | undefined { return this.child && !exited(this.child) ? this.child.pid : undefined }

  static async start(options: PortcullisOptions): Promise<Portcullis> {
    const plugin = new Portcullis(options)
    return started(plugin, () => plugin.spawn())
  }

  private async spawn(): Promise<void> {
    const where = this.options.transport === 'unix'
      ? ['--socket', this.socket]
      : ['--listen', this.address ?? 'tcp://127.0.0.1:0', '--spec-dir', PLUGIN_SPEC_DIR]
    const from = this.lines.length
    const child = spawn(process.execPath, [PORTCULLIS_BIN, 'serve', '--policies', this.options.policiesDir, '--name', this.options.name, ...where, ...(this.options.serveArgs ?? []), '--log-level', 'info'], {
      env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'],
    })
    this.child = child
    const take = (): ((d: Buffer) => void) => {
      let partial = ''
      return (d: Buffer) => {
        this.output += d
        partial += d
        const complete = partial.split('\n')
        partial = complete.pop() ?? ''
        for (const line of complete) {
          if (!line.startsWith('{')) continue
          try { this.lines.push(JSON.parse(line) as Record<string, unknown>) } catch { /* not a log line */ }
        }
      }
    }
    child.stdout.on('data', take())
    child.stderr.on('data', take())
    const serving = await this.waitForLog((l) => l.msg === 'serving', 'portcullis to log "serving"', from, 15_000)
    if (this.options.transport === 'tcp') this.address = serving.address as string
  }

  /** The index of the next log line: pass it to `decisions`/`waitForLog` to look only at what follows. */
  mark(): number {
    return this.lines.length
  }

  decisions(since = 0): Decision[] {
    return this.lines.slice(since).filter((l) => l.msg === 'decision') as unknown as Decision[]
  }

  /** Polls the log for a line matching `pred` from `since` on. Fails if the process exits first. */
  async waitForLog(pred: (line: Record<string, unknown>) => boolean, what: string, since = 0, ms = 10_000): Promise<Record<string, unknown>> {
    let found: Record<string, unknown> | undefined
    await waitFor(what, () => {
      found = this.lines.slice(since).find(pred)
      if (found) return true
      if (this.child && exited(this.child)) throw new Error(`portcullis exited (${this.child.exitCode ?? this.child.signalCode}) while waiting for ${what}:\n${this.output}`)
      return false
    }, ms)
    return found as Record<string, unknown>
  }

  /** Polls for a decision matching `pred` (dockerd asked, the plugin logged) from `since` on. */
  async decision(since: number, pred: (d: Decision) => boolean, what: string, ms = 10_000): Promise<Decision> {
    return await this.waitForLog((l) => l.msg === 'decision' && pred(l as unknown as Decision), `decision: ${what}`, since, ms) as unknown as Decision
  }

  /** `kill -HUP`: serve reloads its policies. */
  sighup(): void {
    if (!this.child?.pid || exited(this.child)) throw new Error('portcullis is not running')
    process.kill(this.child.pid, 'SIGHUP')
  }

  /** SIGTERM (serve finishes in-flight requests and removes its socket or spec file). */
  async stop(): Promise<number | null> {
    if (this.child) await stopChild(this.child, 'SIGTERM', 10_000)
    const code = this.child?.exitCode ?? null
    await rm(this.socket, { force: true })
    await rm(this.specFile, { force: true })
    return code
  }

  /** Starts it again under the same name (and TCP address): dockerd is not told. */
  async restart(): Promise<void> {
    await this.stop()
    await this.spawn()
  }

  async close(): Promise<void> {
    await this.stop()
    untrack(this)
  }

  emergency(): void {
    if (this.child && !exited(this.child)) this.child.kill('SIGKILL')
    rmSync(this.socket, { force: true })
    rmSync(this.specFile, { force: true })
  }
}

// ---------------------------------------------------------------------------------------------
// dockerd

export interface TlsEndpoint {
  port: number
  caFile: string
  certFile: string
  keyFile: string
}

export interface DockerdOptions {
  pluginName: string
  /** Also listen on tcp://127.0.0.1:PORT with --tlsverify (dockerd then names the client certificate's CN as User). */
  tls?: TlsEndpoint
}

const API_TIMEOUT_MS = 20_000

export class Dockerd implements Resource {
  readonly what: string
  child: ChildProcess | undefined
  private stopping: Promise<void> | undefined

  private constructor(readonly dir: string, readonly options: DockerdOptions) {
    this.what = `dockerd in ${dir}`
  }

  get socket(): string { return path.join(this.dir, 'docker.sock') }
  /** DOCKER_HOST for the CLI. */
  get host(): string { return `unix://${this.socket}` }
  get tcpHost(): string | undefined { return this.options.tls ? `tcp://127.0.0.1:${this.options.tls.port}` : undefined }
  get logFile(): string { return path.join(this.dir, 'dockerd.log') }
  get pid(): number | undefined { return this.child && !exited(this.child) ? this.child.pid : undefined }

  static async start(options: DockerdOptions): Promise<Dockerd> {
    requireDockerd()
    const dockerd = new Dockerd(await tempDir('portcullis-e2e-'), options)
    return started(dockerd, () => dockerd.spawn())
  }

  private async spawn(): Promise<void> {
    const W = this.dir
    await writeFile(path.join(W, 'daemon.json'), JSON.stringify({ 'deprecated-key-path': path.join(W, 'key.json') }))
    await mkdir(path.join(W, 'docker-config'))
    const args = [
      '--config-file', path.join(W, 'daemon.json'),
      `--authorization-plugin=${this.options.pluginName}`,
      '--iptables=false', '--ip6tables=false', '--bridge=none', '--storage-driver=vfs',
      '--data-root', path.join(W, 'data'), '--exec-root', path.join(W, 'exec'), '--pidfile', path.join(W, 'docker.pid'),
      '-H', this.host,
    ]
    const tls = this.options.tls
    if (tls) args.push('--tlsverify', '--tlscacert', tls.caFile, '--tlscert', tls.certFile, '--tlskey', tls.keyFile, '-H', `tcp://127.0.0.1:${tls.port}`)
    // Its output goes to a file, not a pipe: nothing depends on this process reading it.
    const log = openSync(this.logFile, 'a')
    try {
      this.child = spawn(DOCKERD, args, { stdio: ['ignore', log, log] })
    } finally {
      closeSync(log)
    }
    const child = this.child
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', () => resolve())
      child.once('error', reject)
    })
    // Ready when /_ping answers 200 (that call goes through the plugin: the policy allows it).
    await waitFor('dockerd to answer /_ping', async () => {
      if (exited(child)) throw new Error(`dockerd exited with ${child.exitCode ?? child.signalCode} before answering /_ping:\n${this.logTail()}`)
      if (!await socketAccepts(this.socket)) return false
      const res = await rawRequest(this.socket, 'GET', '/_ping').catch(() => undefined)
      return res?.status === 200
    }, 30_000)
  }

  logTail(lines = 30): string {
    try { return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n') } catch { return '(no log)' }
  }

  /** One API request on dockerd's socket (Node's HTTP client; use `curl` for odd spellings). */
  async api(method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}, ms = API_TIMEOUT_MS): Promise<{ status: number; body: string; json: unknown }> {
    const json = body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)
    const data = json ? JSON.stringify(body) : body as string | Buffer | undefined
    const h = json ? { 'content-type': 'application/json', ...headers } : headers
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${method} ${urlPath}: no answer from dockerd within ${ms} ms`)), ms) })
    try {
      return await Promise.race([rawRequest(this.socket, method, urlPath, data, h), timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  /**
   * curl on dockerd's socket, for request targets Node's client would not send as written. The
   * result is the status and body; `args` come before the URL.
   */
  async curl(args: string[], url = 'http://localhost/', stdin?: string | Buffer): Promise<{ status: number; body: string; stderr: string }> {
    const r = await runProcess('curl', ['-sS', '--unix-socket', this.socket, '-o', '-', '-w', '\n%{http_code}', ...args, url], { stdin, timeoutMs: 60_000 })
    const cut = r.stdout.lastIndexOf('\n')
    return { status: Number(r.stdout.slice(cut + 1)), body: r.stdout.slice(0, cut), stderr: r.stderr }
  }

  /** The environment for a docker CLI against this daemon (its socket unless `env` names another host). */
  cliEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
    const all: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: this.host, DOCKER_CONFIG: path.join(this.dir, 'docker-config'), DOCKER_CLI_HINTS: 'false', ...env }
    for (const k of ['DOCKER_CONTEXT', 'DOCKER_API_VERSION', 'DOCKER_TLS_VERIFY', 'DOCKER_CERT_PATH'] as const) if (!env[k]) delete all[k]
    return all
  }

  /** The docker CLI at `cli`, run to completion. */
  docker(cli: string, args: string[], options: { stdin?: string | Buffer; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<ProcessResult> {
    return runProcess(cli, args, { env: this.cliEnv(options.env), stdin: options.stdin, timeoutMs: options.timeoutMs ?? 60_000 })
  }

  /** The docker CLI at `cli` as a running process (streams: attach, events); the caller ends it. */
  dockerProcess(cli: string, args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
    return spawn(cli, args, { env: this.cliEnv(env), stdio: ['pipe', 'pipe', 'pipe'] })
  }

  /** Whether GET /containers/NAME/json finds it (the object exists), through the API. */
  async containerExists(name: string): Promise<boolean> {
    const r = await this.api('GET', `/v1.41/containers/${encodeURIComponent(name)}/json`)
    if (r.status !== 200 && r.status !== 404) throw new Error(`inspect ${name}: HTTP ${r.status} ${r.body}`)
    return r.status === 200
  }

  async volumeExists(name: string): Promise<boolean> {
    const r = await this.api('GET', `/v1.41/volumes/${encodeURIComponent(name)}`)
    if (r.status !== 200 && r.status !== 404) throw new Error(`volume inspect ${name}: HTTP ${r.status} ${r.body}`)
    return r.status === 200
  }

  async close(): Promise<void> {
    this.stopping ??= this.teardown()
    await this.stopping
    untrack(this)
  }

  private async teardown(): Promise<void> {
    const child = this.child
    if (child && !exited(child)) {
      // Containers first: dockerd waits ~10 s at shutdown for a container that ignores SIGTERM.
      // Best effort: the policy may deny these calls, or the plugin may be down.
      const listed = await this.api('GET', '/v1.41/containers/json?all=1', undefined, {}, 5_000).catch(() => undefined)
      const ids = listed?.status === 200 ? (listed.json as Array<{ Id: string }>).map((c) => c.Id) : []
      await Promise.all(ids.map((id) => this.api('DELETE', `/v1.41/containers/${id}?force=1&v=1`, undefined, {}, 10_000).catch(() => undefined)))
      await stopChild(child, 'SIGTERM', 20_000)
    }
    killLeftovers(this.dir)
    await waitFor('dockerd\'s containerd and shims to exit', () => leftoverPids(this.dir).length === 0, 10_000).catch(() => undefined)
    unmountUnder(this.dir)
    await rm(this.dir, { recursive: true, force: true })
  }

  emergency(): void {
    if (this.child && !exited(this.child)) this.child.kill('SIGKILL')
    killLeftovers(this.dir)
    unmountUnder(this.dir)
    try { rmSync(this.dir, { recursive: true, force: true }) } catch { /* best effort */ }
  }
}

/**
 * PIDs of what a dockerd rooted in `dir` left running: its containerd and shims (their command
 * lines name `dir`) and their descendants (the containers). Found by PID through /proc.
 */
function leftoverPids(dir: string): number[] {
  const procs = new Map<number, { ppid: number; cmdline: string }>()
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      procs.set(pid, { ppid, cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ') })
    } catch { /* gone */ }
  }
  const roots = [...procs].filter(([pid, p]) => pid !== process.pid && p.cmdline.includes(`${dir}/`)).map(([pid]) => pid)
  const found = new Set(roots)
  let grew = true
  while (grew) {
    grew = false
    for (const [pid, p] of procs) if (!found.has(pid) && found.has(p.ppid)) { found.add(pid); grew = true }
  }
  return [...found]
}

function killLeftovers(dir: string): void {
  const pids = leftoverPids(dir)
  const shimSockets = pids.flatMap((pid) => shimSocket(pid, dir))
  for (const pid of pids) {
    try { process.kill(pid, 'SIGKILL') } catch { /* gone */ }
  }
  // A killed shim leaves its socket in /run/containerd/s (containerd 1.6: sha256 of address/ns/id).
  for (const s of shimSockets) rmSync(s, { force: true })
}

function shimSocket(pid: number, dir: string): string[] {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')
    const arg = (flag: string): string | undefined => argv[argv.indexOf(flag) + 1]
    if (!argv.some((a) => a.includes('containerd-shim')) || argv.indexOf('-id') < 0) return []
    const address = arg('-address') ?? path.join(dir, 'exec/containerd/containerd.sock')
    const hash = createHash('sha256').update(path.join(address, arg('-namespace') ?? 'moby', arg('-id') ?? '')).digest('hex')
    return [path.join('/run/containerd/s', hash)]
  } catch {
    return []
  }
}

/** Unmounts everything mounted under `dir` (its netns/default nsfs and the data-root bind), deepest first. */
function unmountUnder(dir: string): void {
  const mounts = (): string[] => {
    try {
      return readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
        .map((l) => (l.split(' ')[4] ?? '').replace(/\\040/g, ' '))
        .filter((m) => m === dir || m.startsWith(`${dir}/`))
        .sort((a, b) => b.length - a.length)
    } catch { return [] }
  }
  for (let round = 0; round < 5; round++) {
    const list = mounts()
    if (list.length === 0) return
    for (const m of list) {
      if (spawnSync('umount', [m], { stdio: 'ignore' }).status !== 0) spawnSync('umount', ['-l', m], { stdio: 'ignore' })
    }
  }
}

// ---------------------------------------------------------------------------------------------
// TLS identities

export interface TlsUsers {
  caFile: string
  serverCert: string
  serverKey: string
  /** A DOCKER_CERT_PATH for `user` (ca.pem, cert.pem, key.pem). */
  certPath(user: string): string
}

/** A throwaway CA, a server certificate for 127.0.0.1 and one client certificate per user (CN = user). */
export function makeTlsUsers(dir: string, users: string[]): TlsUsers {
  const pki = makePKI(dir)
  const openssl = (...args: string[]): void => {
    const r = spawnSync('openssl', args, { cwd: dir, stdio: 'pipe' })
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`)
  }
  for (const user of users) {
    const userDir = path.join(dir, user)
    rmSync(userDir, { recursive: true, force: true })
    cpSync(pki.caFile, path.join(userDir, 'ca.pem'))
    writeFileSync(path.join(dir, `${user}.ext`), 'extendedKeyUsage=clientAuth\n')
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(userDir, 'key.pem'), '-out', `${user}.csr`, '-subj', `/CN=${user}`)
    openssl('x509', '-req', '-in', `${user}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', path.join(userDir, 'cert.pem'), '-days', '2', '-extfile', `${user}.ext`)
  }
  return { caFile: pki.caFile, serverCert: pki.serverCert, serverKey: pki.serverKey, certPath: (user) => path.join(dir, user) }
}

// ---------------------------------------------------------------------------------------------
// The stack a test file shares

/** The shipped policies (every file of policies/, unchanged) plus `extra` files, in a fresh directory. */
export async function policySet(dir: string, extra: Record<string, string> = {}, shipped = true): Promise<string> {
  const policies = path.join(dir, 'policies')
  await mkdir(policies, { recursive: true })
  if (shipped) cpSync(repoPath('policies'), policies, { recursive: true })
  await writeFiles(policies, extra)
  return policies
}

export interface StackOptions {
  /** Files to add to the policy set; `shipped: false` leaves out policies/. */
  policies?: Record<string, string>
  shipped?: boolean
  transport?: 'unix' | 'tcp'
  /** TLS client users: dockerd also listens with --tlsverify on a free 127.0.0.1 port. */
  tlsUsers?: string[]
  /** Import the busybox test image (default true). */
  image?: boolean
  /** More `serve` flags. */
  serveArgs?: string[]
}

export interface Stack {
  dir: string
  policiesDir: string
  plugin: Portcullis
  dockerd: Dockerd
  tls: TlsUsers | undefined
  /** The exact text dockerd puts in a deny: `authorization denied by plugin NAME: MSG`. */
  denied(message: string): string
  close(): Promise<void>
}

/** Plugin first (dockerd validates it at start), then dockerd. `close()` undoes both, in reverse. */
export async function startStack(options: StackOptions = {}): Promise<Stack> {
  requireDockerd()
  // The stack's directory (policies, symlinks, TLS files) is one the shipped policies let
  // containers bind, so that what decides about it is `{policies}`, not /tmp's protection.
  const dir = await bindableDir('e2e-stack-')
  const resources: Resource[] = []
  const stackResource: Resource = {
    what: `stack in ${dir}`,
    close: async () => {
      for (const r of resources.reverse()) await r.close().catch(() => undefined)
      await removeBindableDir(dir)
      untrack(stackResource)
    },
    emergency: () => { rmSync(dir, { recursive: true, force: true }) },
  }
  track(stackResource)
  try {
    const policiesDir = await policySet(dir, options.policies, options.shipped ?? true)
    const name = uniquePluginName()
    const plugin = await Portcullis.start({ name, policiesDir, transport: options.transport ?? 'unix', serveArgs: options.serveArgs })
    resources.push(plugin)
    let tls: TlsUsers | undefined
    let endpoint: TlsEndpoint | undefined
    if (options.tlsUsers) {
      await mkdir(path.join(dir, 'tls'))
      tls = makeTlsUsers(path.join(dir, 'tls'), options.tlsUsers)
      endpoint = { port: await freePort(), caFile: tls.caFile, certFile: tls.serverCert, keyFile: tls.serverKey }
    }
    const dockerd = await Dockerd.start({ pluginName: name, tls: endpoint })
    resources.push(dockerd)
    if (options.image ?? true) await importTestImage(dockerd, DOCKER_CLI_20)
    return {
      dir, policiesDir, plugin, dockerd, tls,
      denied: (message) => `authorization denied by plugin ${name}: ${message}`,
      close: stackResource.close,
    }
  } catch (e) {
    await stackResource.close()
    throw e
  }
}

/** Reads a file of the policy set (for edits in reload tests). */
export function readPolicy(stack: Stack, file: string): Promise<string> {
  return readFile(path.join(stack.policiesDir, file), 'utf8')
}
