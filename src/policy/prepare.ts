/**
 * RequestInput → the request as rules see it (§4), with the body decoded lazily: at most once,
 * and only when a rule that applies so far needs it.
 */
import { decodeBodyBytes } from './body/json-parse.js'
import type { JsonNode } from './body/json-parse.js'
import { normalizeUri } from './normalize-uri.js'
import { parseQuery } from './parse-query.js'
import type { RequestInput, RequestView } from './types.js'

export type BodyState = { kind: 'none' } | { kind: 'invalid' } | { kind: 'json'; root: JsonNode }

export interface PreparedRequest {
  user: string | null
  method: string
  path: string
  query: Map<string, string[]>
  version: string | null
  status: number | undefined
  /** Set when the URI is a spelling dockerd would not execute as written. */
  rejected: string | undefined
  /**
   * Query conditions cannot be trusted: dockerd's handlers read `r.Form`, which for POST, PUT and
   * PATCH also holds the parameters of an `application/x-www-form-urlencoded` body (and takes
   * them first), a body the plugin never sees.
   */
  queryIncomplete: boolean
  body(): BodyState
  /** Per-request memo for derived facts (container/volume readings). */
  memo: Map<string, unknown>
  input: RequestInput
}

export function prepareRequest(input: RequestInput): PreparedRequest {
  const method = input.method.toUpperCase()
  const uri = normalizeUri(input.uri)
  let body: BodyState | undefined
  return {
    user: input.user ? input.user : null,
    method,
    path: uri.ok ? uri.path : '',
    query: uri.ok ? parseQuery(uri.rawQuery) : new Map(),
    version: uri.ok ? uri.version : null,
    status: input.status,
    rejected: uri.ok ? undefined : uri.reason,
    queryIncomplete: formBodyPossible(method, input),
    body: () => {
      if (!body) {
        if (input.body === undefined || input.body.length === 0) body = { kind: 'none' }
        else {
          const root = decodeBodyBytes(input.body)
          body = root === undefined ? { kind: 'invalid' } : { kind: 'json', root }
        }
      }
      return body
    },
    memo: new Map(),
    input,
  }
}

export function requestView(req: PreparedRequest): RequestView {
  return {
    user: req.user,
    method: req.method,
    path: req.path,
    query: Object.fromEntries(req.query),
    version: req.version,
  }
}

const FORM_METHODS = new Set(['POST', 'PUT', 'PATCH'])
/** Upload types dockerd's clients send for tar streams and archives (build, load, import, archive). */
const BINARY_UPLOADS = new Set(['application/x-tar', 'application/octet-stream', 'application/gzip', 'application/x-gzip', 'application/x-bzip2', 'application/x-xz', 'application/zstd'])

/**
 * Whether Go's ParseForm may have read parameters from a body the plugin cannot see. Go parses
 * the body of a POST, PUT or PATCH when the *first* Content-Type header is a form; dockerd forwards
 * the *last* one (measured on 20.10: `text/plain` then `application/json` showed the plugin JSON).
 * So: a visible form type, or any body the plugin did not get (Content-Length not "0") whose
 * forwarded type is not one of the binary upload types the docker clients use.
 */
function formBodyPossible(method: string, input: RequestInput): boolean {
  if (!FORM_METHODS.has(method) || !input.headers) return false
  const contentType = header(input.headers, 'content-type')
  if (contentType === undefined) return false
  const media = (contentType.split(';')[0] ?? '').trim().toLowerCase()
  if (media === 'application/x-www-form-urlencoded') return true
  if (input.body !== undefined || BINARY_UPLOADS.has(media)) return false
  return header(input.headers, 'content-length') !== '0'
}

function header(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v
  return undefined
}
