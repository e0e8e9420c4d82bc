/** `portcullis reload --socket PATH`: ask a running server to reload; print the outcome. Exit 0 or 3. */
import { request } from 'node:http'
import path from 'node:path'
import { DEFAULT_SOCKET_DIR } from './serve.js'
import type { ReloadOutcome } from '../../server/policy-source.js'
import { EXIT, parseFlags, UsageError } from '../args.js'
import type { CliIO } from '../io.js'
import { json, printErrors } from '../output.js'

export const RELOAD_USAGE = 'usage: portcullis reload [--socket PATH | --name NAME] [--json]   (default: /run/docker/plugins/portcullis.sock)'

export async function runReload(args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(args, { socket: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' } })
  if (values.socket !== undefined && values.name !== undefined) throw new UsageError('--socket and --name cannot be combined')
  const socket = values.socket ?? path.join(DEFAULT_SOCKET_DIR, `${values.name ?? 'portcullis'}.sock`)
  let outcome: ReloadOutcome
  try {
    outcome = await postJson(socket, '/-/reload') as ReloadOutcome
  } catch (e) {
    io.stderr(`portcullis: cannot reach the server on ${socket}: ${(e as Error).message}\n`)
    return EXIT.failed
  }
  if (values.json) json(io, { ...outcome, errors: outcome.ok ? [] : outcome.errors.map((e) => ({ ...e })) })
  else if (outcome.ok) io.stdout(`reloaded: serving revision ${outcome.revision}${outcome.changed ? '' : ' (unchanged)'}\n`)
  else {
    printErrors(io, outcome.errors)
    io.stderr(`still serving revision ${outcome.revision}\n`)
  }
  return outcome.ok ? EXIT.ok : EXIT.invalidPolicies
}

function postJson(socketPath: string, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, method: 'POST', headers: { 'content-length': 0 } }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')))
        } catch (e) {
          reject(e)
        }
      })
    })
    req.on('error', reject)
    req.end()
  })
}
