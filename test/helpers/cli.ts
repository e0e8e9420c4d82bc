/** Running the CLI in-process (runMain with a memory IO) and as a real process (the built binary). */
import { spawn } from 'node:child_process'
import type { ChildProcessWithoutNullStreams } from 'node:child_process'
import { connect } from 'node:net'
import path from 'node:path'
import { payload, rawRequest, tempDir, writeFiles } from './plugin-server.js'
import { runMain } from '../../src/cli/main.js'
import { memoryIO } from '../../src/cli/io.js'
import { repoPath } from './paths.js'

export const BIN = repoPath('dist/src/cli/main.js')

export async function cli(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<{ code: number; out: string; err: string }> {
  const io = memoryIO(options.env ?? {}, options.stdin ?? '')
  const code = await runMain(args, io)
  return { code, out: io.out(), err: io.err() }
}

/** Runs the binary to completion. */
export function run(args: string[], options: { env?: Record<string, string>; stdin?: string } = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...options.env } })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => { out += d })
    child.stderr.on('data', (d: Buffer) => { err += d })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, out, err }))
    child.stdin.end(options.stdin ?? '')
  })
}

export interface Served {
  child: ChildProcessWithoutNullStreams
  output: () => string
  exit: Promise<number | null>
}

/** Starts `portcullis serve …` as a process; collects its output. */
export function serve(args: string[], env: Record<string, string> = {}): Served {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { env: { ...process.env, NO_COLOR: '1', ...env } })
  let output = ''
  child.stdout.on('data', (d: Buffer) => { output += d })
  child.stderr.on('data', (d: Buffer) => { output += d })
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  return { child, output: () => output, exit }
}

/** Polls until `check` returns true, or fails after `ms`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms
  for (;;) {
    if (await check()) return
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

export function socketAccepts(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socketPath)
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => resolve(false))
  })
}

export interface ServedSet {
  dir: string
  policies: string
  socket: string
  server: Served
  /** The decision for an AuthZReq of `method uri`, as JSON. */
  ask(method: string, uri: string): Promise<unknown>
}

/**
 * Writes `files` as a policy directory, serves it on a socket in a temporary directory, runs `fn`,
 * then stops the server with SIGTERM and requires a clean exit.
 */
export async function withServedSet(files: Record<string, string>, args: string[], fn: (s: ServedSet) => Promise<void>): Promise<void> {
  const dir = await tempDir()
  const policies = path.join(dir, 'policies')
  await writeFiles(policies, files)
  const socket = path.join(dir, 'portcullis.sock')
  const server = serve(['--policies', policies, '--socket', socket, ...args])
  try {
    await waitFor('the socket', () => socketAccepts(socket))
    await fn({
      dir, policies, socket, server,
      ask: async (method, uri) => (await rawRequest(socket, 'POST', '/AuthZPlugin.AuthZReq', JSON.stringify(payload(method, uri)))).json,
    })
  } finally {
    server.child.kill('SIGTERM')
  }
  const code = await server.exit
  if (code !== 0) throw new Error(`serve exited with ${code}:\n${server.output()}`)
}
