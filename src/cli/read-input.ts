/** Reading `FILE` or `-` arguments, and turning a captured payload into a request. */
import { readFile } from 'node:fs/promises'
import { decodeAuthZObject } from '../protocol/decode.js'
import { toRequestInput } from '../protocol/to-request-input.js'
import type { Phase, RequestInput } from '../policy/index.js'
import { UsageError } from './args.js'
import type { CliIO } from './io.js'

export async function readArg(arg: string, io: CliIO, what: string): Promise<string> {
  if (arg === '-') return io.stdin()
  try {
    return await readFile(arg, 'utf8')
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${arg}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
}

/**
 * A dockerd wire payload, or a capture file holding one under `payload` (as in
 * fixtures/dockerd/*.json). A capture of `/AuthZPlugin.AuthZRes` defaults the phase to response.
 */
export function payloadToInput(value: unknown, phase: Phase | undefined): { input: RequestInput; phase: Phase } {
  let payload = value
  let capturedPhase: Phase | undefined
  if (isObject(value) && 'payload' in value) {
    payload = value.payload
    const http = value.http
    if (isObject(http) && http.path === '/AuthZPlugin.AuthZRes') capturedPhase = 'response'
  }
  if (payload === null || payload === undefined) throw new UsageError('the payload is empty (a Plugin.Activate capture has no authorization request)')
  const decoded = decodeAuthZObject(payload)
  if (!decoded.ok) throw new UsageError(decoded.error)
  const p = phase ?? capturedPhase ?? 'request'
  return { input: toRequestInput(decoded.request, p), phase: p }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
