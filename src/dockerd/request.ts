/**
 * RequestInput → the request as rules see it (§4), with the body decoded lazily: at most once,
 * and only when a rule that applies so far needs it.
 */
import { decodeBodyBytes } from './json/parse.js'
import type { JsonNode } from './json/parse.js'
import { routeOf } from './routes.js'
import type { RouteMatch } from './routes.js'
import { normalizeUri } from './uri.js'
import { parseQuery } from '../go/query.js'

/** Which of dockerd's two calls: before the handler runs (AuthZReq) or after (AuthZRes). */
export type Phase = 'request' | 'response'

/**
 * One request, protocol-neutral: the server fills it from dockerd's payload, the CLI from flags
 * or a captured payload. Nothing here is normalised yet.
 */
export interface RequestInput {
  /** The TLS client certificate CN; undefined or '' = anonymous. */
  user?: string | undefined
  authMethod?: string | undefined
  method: string
  /** RequestUri exactly as dockerd sent it. */
  uri: string
  /** Request headers as dockerd forwarded them (one value per name). */
  headers?: Readonly<Record<string, string>> | undefined
  /** The decoded RequestBody; undefined when dockerd forwarded none. */
  body?: Uint8Array | undefined
  /** ResponseStatusCode (response phase); undefined when dockerd sent none. */
  status?: number | undefined
}

/** The request as rules see it (policy-language.md §4), as `eval --json` prints it. */
export interface RequestView {
  user: string | null
  method: string
  path: string
  query: Record<string, string[]>
  version: string | null
}

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
  /** The route dockerd runs for this request (routes.ts); undefined for a rejected URI or a 404. */
  route(): RouteMatch | undefined
  /** Per-request memo for derived facts (container/volume readings). */
  memo: Map<string, unknown>
  input: RequestInput
}

export function prepareRequest(input: RequestInput): PreparedRequest {
  const method = input.method.toUpperCase()
  const uri = normalizeUri(input.uri)
  const query = uri.ok ? parseQuery(uri.rawQuery) : new Map<string, string[]>()
  let body: BodyState | undefined
  let matched: RouteMatch | undefined | null = null
  const route = (): RouteMatch | undefined => {
    if (matched === null) matched = uri.ok ? routeOf(method, uri.path, uri.version !== null) : undefined
    return matched
  }
  return {
    user: input.user ? input.user : null,
    method,
    path: uri.ok ? uri.path : '',
    query,
    version: uri.ok ? uri.version : null,
    status: input.status,
    rejected: uri.ok ? undefined : uri.reason,
    queryIncomplete: uri.ok && formBodyPossible(method, route, query, input),
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
    route,
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

/**
 * Whether Go's ParseForm may have read parameters from a body the plugin cannot see, which
 * dockerd's handlers then take before the query (measured on 20.10: `rename?name=aaa` with the
 * form body `name=bbb` renamed to `bbb`). Go parses the body of a POST, PUT or PATCH when the
 * *first* Content-Type header is a form, but dockerd forwards only the *last* one of a repeated
 * header, so the type the plugin sees proves nothing. The query is incomplete evidence when:
 *   - the type is a form, or
 *   - the body was not forwarded, may be non-empty (Content-Length not "0"), and the endpoint does
 *     not take its body as its payload.
 * Payload endpoints (a build context, an image tarball to load or import, an archive to copy in,
 * a plugin rootfs) would lose that payload to a form parse, so their query is trusted. What that
 * leaves open on dockerd 20.10 — a classic build whose first ≤ 4 KiB are a small tar context and
 * whose rest is a form — is documented in the README.
 */
function formBodyPossible(method: string, route: () => RouteMatch | undefined, query: Map<string, string[]>, input: RequestInput): boolean {
  if (!FORM_METHODS.has(method) || !input.headers) return false
  const contentType = header(input.headers, 'content-type')
  if (contentType === undefined) return false // no Content-Type header at all: Go parses no form
  const media = (contentType.split(';')[0] ?? '').trim().toLowerCase()
  // r.FormValue parses multipart bodies too (ParseMultipartForm).
  if (media === 'application/x-www-form-urlencoded' || media === 'multipart/form-data') return true
  // A forwarded body means dockerd's first Content-Type was JSON: no form was parsed.
  if (input.body !== undefined || header(input.headers, 'content-length') === '0') return false
  return !takesPayload(route(), query)
}

/** Routes whose body is their payload (routes.ts: a tar), so that a form parse would lose it. */
function takesPayload(route: RouteMatch | undefined, query: Map<string, string[]>): boolean {
  switch (route?.route.endpoint) {
    case 'image-build': return !query.has('remote') // with a remote context the body is not the context
    case 'container-archive-put':
    case 'image-load':
    case 'plugin-create': return true
    case 'image-create': return query.get('fromSrc')?.[0] === '-'
    default: return false
  }
}

function header(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === name) return v
  return undefined
}
