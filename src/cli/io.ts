/**
 * What a command needs from its process: where to write, whether colour is wanted, the environment.
 * Commands never touch `process.stdout`/`process.env` directly, so tests run them in-process.
 */
export interface CliIO {
  /** Results. */
  stdout(text: string): void
  /** Diagnostics. */
  stderr(text: string): void
  /** Colour is allowed: stdout is a TTY and NO_COLOR is unset. */
  color: boolean
  env: Record<string, string | undefined>
  /** All of standard input, for `-` arguments. */
  stdin(): Promise<string>
}

/**
 * A stream's writer that goes quiet once the reader has gone (`portcullis eval … | head -1`):
 * EPIPE stops further writes instead of ending the process with an unhandled error, and the
 * command finishes and exits with its own code.
 */
function quietOnClosedPipe(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') closed = true
    else throw e
  })
  return (text) => {
    if (!closed) stream.write(text)
  }
}

/** The IO of the running process. */
export function processIO(): CliIO {
  return {
    stdout: quietOnClosedPipe(process.stdout),
    stderr: quietOnClosedPipe(process.stderr),
    color: Boolean(process.stdout.isTTY) && !process.env.NO_COLOR,
    env: process.env,
    stdin: async () => {
      const chunks: Buffer[] = []
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
      return Buffer.concat(chunks).toString('utf8')
    },
  }
}

/** An IO that records everything, for tests. */
export function memoryIO(env: Record<string, string | undefined> = {}, input = ''): CliIO & { out: () => string; err: () => string } {
  let out = ''
  let err = ''
  return {
    stdout: (text) => { out += text },
    stderr: (text) => { err += text },
    color: false,
    env,
    stdin: async () => input,
    out: () => out,
    err: () => err,
  }
}
