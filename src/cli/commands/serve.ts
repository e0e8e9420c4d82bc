/**
 * `portcullis serve`: the composition root. Loads the policies, builds the app, listens where
 * dockerd looks (a socket in /run/docker/plugins, or TCP announced by a spec file), reloads on
 * SIGHUP, and shuts down cleanly on SIGTERM/SIGINT (in-flight requests finish; socket/spec removed).
 */
import path from 'node:path'
import type { LevelWithSilent } from 'pino'
import { hostEnv, resolveNames } from '../../host-env.js'
import { createLogger, LOG_LEVELS } from '../../logging/logger.js'
import { formatError, policyWarnings } from '../../policy/index.js'
import { buildApp } from '../../server/app.js'
import { ListenError, listenOnTcp, listenOnUnixSocket, removeFile } from '../../server/listen.js'
import { PolicyStore } from '../../store/policy-store.js'
import { DEFAULT_WATCH, watchPolicyStore } from '../../store/watch.js'
import { EXIT, parseFlags, policiesDir, UsageError } from '../args.js'
import type { CliIO } from '../io.js'
import { printErrors } from '../output.js'

export const SERVE_USAGE = `usage: portcullis serve [--policies DIR] [--name NAME] [--socket PATH | --listen tcp://HOST:PORT [--spec-dir DIR]]
                        [--state-dir DIR] [--poll-interval SECONDS] [--no-watch] [--log-level LEVEL]`

export const DEFAULT_SOCKET_DIR = '/run/docker/plugins'
export const DEFAULT_SPEC_DIR = '/etc/docker/plugins'
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/

export interface ServeSignals {
  /** Registers a handler; returns a function that removes it. Defaults to process signals. */
  on(signal: 'SIGTERM' | 'SIGINT' | 'SIGHUP', handler: () => void): () => void
}

const processSignals: ServeSignals = {
  on: (signal, handler) => {
    process.on(signal, handler)
    return () => { process.off(signal, handler) }
  },
}

export async function runServe(args: string[], io: CliIO, signals: ServeSignals = processSignals): Promise<number> {
  const { values } = parseFlags(args, {
    policies: { type: 'string' }, name: { type: 'string' }, socket: { type: 'string' }, listen: { type: 'string' },
    'spec-dir': { type: 'string' }, 'log-level': { type: 'string' }, 'state-dir': { type: 'string' },
    'poll-interval': { type: 'string' }, 'no-watch': { type: 'boolean' },
  })
  const name = values.name ?? 'portcullis'
  if (!NAME.test(name)) throw new UsageError(`--name ${JSON.stringify(name)}: use letters, digits, "_", "." and "-"`)
  const level = (values['log-level'] ?? io.env.PORTCULLIS_LOG_LEVEL ?? 'info') as LevelWithSilent
  if (!LOG_LEVELS.includes(level)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`)
  if (values.socket !== undefined && values.listen !== undefined) throw new UsageError('--socket and --listen cannot be combined')
  let tcp: { host: string; port: number } | undefined
  if (values.listen !== undefined) {
    const m = /^tcp:\/\/(\[[^\]]+\]|[^:/]+):(\d{1,5})$/.exec(values.listen)
    if (!m || Number(m[2]) > 65535) throw new UsageError(`--listen must look like tcp://127.0.0.1:9000, not ${values.listen}`)
    tcp = { host: (m[1] as string).replace(/^\[|\]$/g, ''), port: Number(m[2]) }
  }

  const pollSeconds = Number(values['poll-interval'] ?? DEFAULT_WATCH.pollIntervalMs / 1000)
  if (!Number.isFinite(pollSeconds) || pollSeconds < 0) throw new UsageError('--poll-interval must be a number of seconds (0 disables the periodic check)')

  const dir = policiesDir(values.policies, io)
  const stateDir = values['state-dir'] ?? io.env.PORTCULLIS_STATE_DIR
  const opened = await PolicyStore.open(dir, { stateDir })
  if (!opened.ok) {
    printErrors(io, opened.errors)
    io.stderr(`portcullis: not serving: the policies in ${dir} are invalid and there is no last-good snapshot${stateDir ? ` in ${stateDir}` : ' (--state-dir)'}; fix them and start again\n`)
    return EXIT.invalidPolicies
  }
  const store = opened.store
  const logger = createLogger(level)
  const log = logger.child({ module: 'serve' })
  if (opened.snapshotBecause) {
    printErrors(io, opened.snapshotBecause)
    const warning = `the policies in ${dir} are invalid: serving the LAST-GOOD SNAPSHOT (revision ${store.current().revision}) from ${stateDir}, and retrying the directory; fix the files listed`
    io.stderr(`portcullis: WARNING: ${warning}\n`)
    log.error({ errors: opened.snapshotBecause.map(formatError), revision: store.current().revision }, warning)
  }
  store.on('snapshot-failed', (e) => log.warn(e, 'could not save the last-good snapshot'))
  const warn = (): void => { for (const w of policyWarnings(store.current())) log.warn({ warning: w, revision: store.current().revision }, 'policy warning') }
  warn()
  store.on('reloaded', warn)
  store.on('reloaded', (e) => log.info(e, 'policies reloaded'))
  store.on('reload-failed', (e) => {
    if (e.repeated) return
    log.error({ errors: e.errors.map(formatError), serving: store.current().revision }, `policy reload failed; still serving revision ${store.current().revision}. Fix the files listed; the next save reloads automatically`)
  })

  const app = buildApp({ policies: store, logger, env: hostEnv, resolveNames })
  const watcher = watchPolicyStore(store, { pollIntervalMs: pollSeconds * 1000, events: !values['no-watch'] })

  // Signals are handled from before the socket exists: a SIGTERM that arrives while starting
  // still shuts down cleanly (and removes the socket) once listening is done.
  let cleanup = async (): Promise<void> => {}
  let listening = false
  let stopRequested = false
  let stopped: (code: number) => void = () => {}
  const done = new Promise<number>((resolve) => { stopped = resolve })
  let closing = false
  const stop = (): void => {
    stopRequested = true
    if (!listening || closing) return
    closing = true
    log.info('shutting down: finishing in-flight requests')
    watcher.close()
    void app.close().then(cleanup).then(() => {
      offs.forEach((off) => off())
      stopped(EXIT.ok)
    })
  }
  const offs = [
    signals.on('SIGTERM', stop),
    signals.on('SIGINT', stop),
    signals.on('SIGHUP', () => { void store.reload() }),
  ]

  try {
    await watcher.ready
    if (tcp) {
      const specDir = values['spec-dir'] ?? DEFAULT_SPEC_DIR
      const { address, specFile } = await listenOnTcp(app, tcp.host, tcp.port, specDir, name)
      cleanup = () => removeFile(specFile)
      log.info({ address, specFile, revision: store.current().revision }, 'serving')
    } else {
      const socket = values.socket ?? path.join(DEFAULT_SOCKET_DIR, `${name}.sock`)
      await listenOnUnixSocket(app, socket)
      cleanup = () => removeFile(socket)
      log.info({ socket, revision: store.current().revision }, 'serving')
    }
  } catch (e) {
    offs.forEach((off) => off())
    watcher.close()
    await app.close().catch(() => undefined)
    if (e instanceof ListenError || (e as NodeJS.ErrnoException).code) {
      io.stderr(`portcullis: cannot listen: ${(e as Error).message}\n`)
      return EXIT.failed
    }
    throw e
  }
  listening = true
  if (stopRequested) stop()
  return done
}
