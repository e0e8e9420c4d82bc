/**
 * `portcullis eval`: one request, offline, through the same evaluate() the server uses.
 * Exit 0 allowed, 1 denied, 3 invalid policies, 2 usage.
 */
import { explain, namesToResolve } from '../../policy/index.js'
import { prepareRequest } from '../../dockerd/request.js'
import type { Explanation, Phase, RequestInput } from '../../policy/index.js'
import { hostEnv, resolveNames, withLookups } from '../../host-env.js'
import { loadPolicyDir } from '../../store/load.js'
import { EXIT, parseFlags, policiesDir, UsageError } from '../args.js'
import type { CliIO } from '../io.js'
import { json, paint, printErrors } from '../output.js'
import { payloadToInput, readArg } from '../read-input.js'

export const EVAL_USAGE = `usage: portcullis eval [--policies DIR] ([--user U] --method M --uri URI [--body FILE|-] [--status N] | --payload FILE|-)
                       [--phase request|response] [--json] [--explain]
  --status N   the response status dockerd sent (response phase; implies --phase response)`

export async function runEval(args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(args, {
    policies: { type: 'string' }, user: { type: 'string' }, method: { type: 'string' }, uri: { type: 'string' },
    body: { type: 'string' }, payload: { type: 'string' }, phase: { type: 'string' }, json: { type: 'boolean' },
    explain: { type: 'boolean' }, status: { type: 'string' },
  })
  if (values.phase !== undefined && values.phase !== 'request' && values.phase !== 'response') {
    throw new UsageError(`--phase must be request or response, not ${values.phase}`)
  }
  const flagPhase = values.phase as Phase | undefined
  let input: RequestInput
  let phase: Phase
  if (values.payload !== undefined) {
    if (values.method !== undefined || values.uri !== undefined || values.user !== undefined || values.body !== undefined || values.status !== undefined) {
      throw new UsageError('--payload cannot be combined with --user, --method, --uri, --body or --status')
    }
    const text = await readArg(values.payload, io, 'payload')
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch (e) {
      throw new UsageError(`the payload is not JSON: ${(e as Error).message}`)
    }
    ;({ input, phase } = payloadToInput(parsed, flagPhase))
  } else {
    if (values.method === undefined || values.uri === undefined) throw new UsageError('give --method and --uri, or --payload')
    const body = values.body !== undefined ? new TextEncoder().encode(await readArg(values.body, io, 'body')) : undefined
    let status: number | undefined
    if (values.status !== undefined) {
      status = Number(values.status)
      if (!Number.isInteger(status) || status < 100 || status > 599) throw new UsageError(`--status must be an HTTP status code, not ${values.status}`)
      if (flagPhase === 'request') throw new UsageError('--status is a response status: it needs --phase response (or no --phase)')
    }
    phase = flagPhase ?? (status !== undefined ? 'response' : 'request')
    input = { user: values.user, method: values.method, uri: values.uri, body, status }
  }

  const loaded = await loadPolicyDir(policiesDir(values.policies, io))
  if (!loaded.ok) {
    printErrors(io, loaded.errors)
    return EXIT.invalidPolicies
  }
  const names = namesToResolve(loaded.set, prepareRequest(input), phase)
  const x = explain(loaded.set, input, phase, withLookups(hostEnv, await resolveNames(names)))
  const d = x.decision
  if (values.json) {
    json(io, {
      allow: d.allow,
      rule: d.rule,
      message: d.message,
      source: d.source,
      revision: loaded.set.revision,
      request: x.request,
      ...(values.explain ? { explain: { rejected: x.rejected, body: x.body, extracted: x.extracted, rules: x.rules } } : {}),
    })
  } else {
    printHuman(io, x, phase, Boolean(values.explain))
  }
  return d.allow ? EXIT.ok : EXIT.denied
}

function printHuman(io: CliIO, x: Explanation, phase: Phase, verbose: boolean): void {
  const d = x.decision
  const who = x.request.user ?? 'anonymous'
  const verdict = d.allow ? paint(io, 'green', 'ALLOW') : paint(io, 'red', 'DENY')
  io.stdout(`${verdict} ${x.request.method} ${x.request.path || '(rejected URI)'} for ${who}${phase === 'response' ? ' (response phase)' : ''}\n`)
  if (d.rule) io.stdout(`  rule:    ${d.rule} (${d.source?.file}:${d.source?.line})\n`)
  else io.stdout(`  rule:    none (${x.rejected ? 'the URI was rejected' : phase === 'response' ? 'no response rule applies: responses are allowed' : 'no rule applies: settings.default decides'})\n`)
  if (!d.allow) io.stdout(`  message: ${d.message}\n`)
  if (!verbose) return
  if (x.request.version) io.stdout(`  api version: ${x.request.version}\n`)
  const query = Object.entries(x.request.query)
  if (query.length) io.stdout(`  query:   ${query.map(([k, v]) => `${k}=${v.join(',')}`).join(' ')}\n`)
  io.stdout(`  body:    ${x.body === 'json' ? 'JSON' : x.body === 'none' ? 'none' : 'not JSON (no evidence)'}\n`)
  if (x.extracted) io.stdout(`  read from the body: ${JSON.stringify(x.extracted)}\n`)
  io.stdout(`  rules (${phase} phase, in set order):\n`)
  for (const r of x.rules) {
    const mark = r.applied ? paint(io, r.effect === 'deny' ? 'red' : 'green', 'applies') : paint(io, 'dim', 'skipped')
    io.stdout(`    ${mark} ${r.effect.padEnd(5)} ${r.rule} (${r.source.file}:${r.source.line})${r.applied ? '' : `: ${r.why.join('; ')}`}\n`)
  }
}
