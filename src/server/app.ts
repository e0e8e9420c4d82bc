/**
 * The plugin's HTTP application (never listens: see listen.ts). Speaks dockerd's authz protocol:
 * bodies are parsed as JSON whatever the Content-Type (dockerd sends none), every decision is a
 * 200 {"Allow","Msg"}, and anything malformed or unexpected is a 500 {"Err"} — never an allow.
 */
import { fastify, LogController } from 'fastify'
import type { FastifyInstance, FastifyReply, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify'
import type { Logger } from 'pino'
import { ACTIVATE_PATH, AUTHZ_IMPLEMENTS, AUTHZ_REQUEST_PATH, AUTHZ_RESPONSE_PATH } from '../protocol/types.js'
import type { EvalEnv, Phase } from '../policy/index.js'
import { randomUUID } from 'node:crypto'
import type { DecisionRecord } from '../decision/record.js'
import { unreadDraft } from '../decision/record.js'
import { logLineSink } from '../decision/sink.js'
import type { DecisionSink } from '../decision/sink.js'
import { errText } from '../protocol/errors.js'
import { decidePayload } from './decide-payload.js'
import type { NameResolver } from './decide-payload.js'
import { DecisionOffload, OFFLOAD_BYTES } from './offload.js'
import type { PolicySource } from './policy-source.js'

/** dockerd 29.3.1+ forwards bodies up to 4 MiB (5.6 MiB as base64), plus headers and a response body. */
export const DEFAULT_BODY_LIMIT = 16 * 1024 * 1024
/** Above dockerd's 30 s idle timeout, so dockerd closes idle connections first (no retry race). */
export const KEEP_ALIVE_MS = 65_000

export interface AppOptions {
  policies: PolicySource
  logger: Logger
  env: EvalEnv
  bodyLimit?: number
  /** Resolves host names for outbound conditions; without it every name counts as unresolved. */
  resolveNames?: NameResolver
  /** Where decision records go; by default the operational log line (decision/sink.ts). */
  sinks?: DecisionSink[]
  /** Large payloads are decided in a worker thread (offload.ts); false decides all of them inline. */
  offload?: false | { budgetMs?: number }
}

export function buildApp(opts: AppOptions): FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, Logger> {
  const app = fastify({
    loggerInstance: opts.logger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.bodyLimit ?? DEFAULT_BODY_LIMIT,
    keepAliveTimeout: KEEP_ALIVE_MS,
    forceCloseConnections: 'idle',
    return503OnClosing: false,
  })
  const log = opts.logger.child({ module: 'authz' })

  if (log.isLevelEnabled('debug')) {
    app.addHook('onRequest', async (request) => { log.debug({ method: request.method, url: request.url }, 'request received') })
  }

  app.removeAllContentTypeParsers()
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => { done(null, body) })

  const sinks = opts.sinks ?? [logLineSink(opts.logger)]
  app.setErrorHandler((error, request, reply) => {
    const code = (error as { code?: string }).code
    const tooLarge = code === 'FST_ERR_CTP_BODY_TOO_LARGE'
    const message = tooLarge
      ? errText('E_PROTOCOL_TOO_LARGE', `request body larger than ${opts.bodyLimit ?? DEFAULT_BODY_LIMIT} bytes`)
      : errText('E_PROTOCOL_MALFORMED', error instanceof Error ? error.message : String(error))
    log.warn({ err: { message, code } }, 'request failed')
    // An authorization call that never reached a decision is recorded all the same.
    const phase: Phase | undefined = request.url === AUTHZ_REQUEST_PATH ? 'request' : request.url === AUTHZ_RESPONSE_PATH ? 'response' : undefined
    if (phase) {
      const record: DecisionRecord = { decisionId: randomUUID(), time: new Date().toISOString(), phase, revision: opts.policies.current().revision, ...unreadDraft('malformed-payload', message), latencyUs: 0 }
      for (const sink of sinks) sink.write(record)
    }
    void sendErr(reply, message)
  })
  app.setNotFoundHandler((request, reply) => {
    void reply.code(404).send({ Err: errText('E_PROTOCOL_UNKNOWN_ENDPOINT', `unknown endpoint ${request.method} ${request.url}`) })
  })

  // dockerd POSTs with an empty body; other methods are accepted as go-plugins-helpers does.
  app.all(ACTIVATE_PATH, async () => ({ Implements: [AUTHZ_IMPLEMENTS] }))

  const offload = opts.offload === false ? undefined : new DecisionOffload(opts.offload?.budgetMs)
  if (offload) app.addHook('onClose', async () => { await offload.close() })

  const authz = (phase: Phase) => async (request: { body: unknown }, reply: FastifyReply) => {
    const started = performance.now()
    const time = new Date().toISOString()
    const raw = request.body as Buffer | undefined
    const set = opts.policies.current()
    const decided = offload && raw !== undefined && raw.length > OFFLOAD_BYTES
      ? await offload.decide(set, raw, phase)
      : await decidePayload(set, raw, phase, opts.env, opts.resolveNames)
    const outcome = 'timeout' in decided
      ? { reply: { allow: false, msg: decided.message }, record: unreadDraft('timeout', decided.message) }
      : decided
    const record: DecisionRecord = { decisionId: randomUUID(), time, phase, revision: set.revision, ...outcome.record, latencyUs: Math.round((performance.now() - started) * 1000) }
    for (const sink of sinks) sink.write(record)
    const r = outcome.reply
    if ('err' in r) {
      if (record.reason === 'malformed-payload') log.warn({ phase, error: r.err }, 'malformed authorization request')
      else log.error({ err: r.err, phase, method: record.method, uri: record.uri }, 'policy evaluation failed; answering with an error (fail closed)')
      return sendErr(reply, r.err)
    }
    if ('timeout' in decided) log.warn({ phase, bytes: raw?.length, revision: set.revision }, 'a large request was not decided in time; denied (fail closed)')
    return r.allow ? { Allow: true } : { Allow: false, Msg: r.msg }
  }
  app.post(AUTHZ_REQUEST_PATH, authz('request'))
  app.post(AUTHZ_RESPONSE_PATH, authz('response'))

  app.get('/-/status', async () => opts.policies.status())
  app.post('/-/reload', async (_request, reply) => {
    const outcome = await opts.policies.reload()
    return reply.code(outcome.ok ? 200 : 422).send(outcome)
  })
  return app
}

function sendErr(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(500).header('content-type', 'application/json').send({ Err: message })
}
