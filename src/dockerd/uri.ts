/**
 * RequestUri → the path and query rules see (policy-language.md §4).
 *
 * dockerd (20.10, moby `api/server/server.go` createMux + vendored gorilla/mux) routes a request
 * like this, and every spelling it would execute must normalise to the same path here:
 *
 *  1. Go's `url.ParseRequestURI` parses the request-target. A scheme (`[A-Za-z][A-Za-z0-9+.-]*:`)
 *     is split off first — any scheme, so `http://x/v1.41/volumes/create`, `HTTP://x/…`,
 *     `http:/v1.41/…` and even `x:/v1.41/…` are routed by their path. Then the query is cut at
 *     the first `?`, then (only after a scheme) a `//authority` is removed. What remains is
 *     percent-decoded once (`%63reate` → `create`, `%2F` → `/`); an invalid escape is a 400.
 *     Control bytes anywhere are a 400. A target without a leading `/` and without a scheme is a
 *     400; with a scheme it is an opaque URL whose path is empty.
 *  2. gorilla/mux cleans the *decoded* path (`cleanPath`): if it contains `//`, `.` or `..`
 *     segments, the client gets a 301 to the clean path and no handler runs. A trailing `/` is
 *     kept by cleanPath, and then no route matches it (404): routes are exact (`StrictSlash` off).
 *  3. Routes are registered twice, as `/v{version:[0-9.]+}` + path and as the bare path, so an
 *     optional first segment `v` + digits-and-dots is the API version (`/v1.41`, `/v1.41.0`,
 *     `/v1.`). Matching is case-sensitive: `/V1.41/…` and `/Volumes/create` are 404s.
 *  4. The authz middleware wraps every routed handler, so the plugin sees the raw RequestUri of
 *     everything above, including requests that are then redirected or 404.
 *
 * Therefore: decode once, strip one version segment, and deny — never normalise — what dockerd
 * would redirect or reject (empty, `.`/`..` segments, trailing `/`, control characters, bad
 * escapes, invalid UTF-8 after decoding, an upper-case `/V` version, an opaque or relative
 * target). The path is kept case-sensitive, exactly as the router matches it.
 */
import { percentDecodeBytes } from '../go/url.js'

export interface NormalizedUri {
  ok: true
  /** The decoded path without its version segment, e.g. `/volumes/create`. */
  path: string
  /** The raw query string after the first `?` (not decoded), `''` when there is none. */
  rawQuery: string
  /** The API version from the path (`1.41`), or null. */
  version: string | null
}

export interface RejectedUri {
  ok: false
  /** Why dockerd would not execute this spelling as written; shown to the docker client. */
  reason: string
}

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/
const VERSION_SEGMENT = /^\/v([0-9.]+)(\/.*)?$/s
const UPPER_VERSION_SEGMENT = /^\/V[0-9.]+(\/|$)/
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/
const utf8 = new TextDecoder('utf-8', { fatal: true })

export function normalizeUri(uri: string): NormalizedUri | RejectedUri {
  if (uri === '') return reject('the request URI is empty')
  if (CONTROL.test(uri)) return reject('the request URI contains a control character')

  let rest = uri
  const scheme = SCHEME.exec(rest)
  if (scheme) rest = rest.slice(scheme[0].length)

  let rawQuery = ''
  const q = rest.indexOf('?')
  if (q >= 0) {
    rawQuery = rest.slice(q + 1)
    rest = rest.slice(0, q)
  }

  if (scheme && rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2)
    rest = slash >= 0 ? rest.slice(slash) : ''
  }
  if (!rest.startsWith('/')) {
    return reject(scheme
      ? 'the request URI has no path (an opaque or host-only URL), so dockerd routes it nowhere'
      : 'the request URI is not an absolute path')
  }

  const decoded = percentDecode(rest)
  if (decoded === undefined) return reject('the request URI has an invalid percent-escape or does not decode to UTF-8')
  if (CONTROL.test(decoded)) return reject('the request path decodes to a control character')

  const problem = cleanPathProblem(decoded)
  if (problem) return reject(problem)

  if (UPPER_VERSION_SEGMENT.test(decoded)) {
    return reject('the API version prefix must be a lower-case "/v" (dockerd answers 404 to "/V")')
  }
  const v = VERSION_SEGMENT.exec(decoded)
  if (v) {
    const path = v[2]
    if (path === undefined) return reject('the request path is only an API version, with no endpoint')
    return { ok: true, path, rawQuery, version: v[1] ?? null }
  }
  return { ok: true, path: decoded, rawQuery, version: null }
}

/** The reason gorilla/mux would redirect or fail to route the decoded path, or undefined. */
function cleanPathProblem(path: string): string | undefined {
  if (path === '/') return undefined
  const segments = path.slice(1).split('/')
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]
    if (s === '' && i === segments.length - 1) {
      return 'the request path ends with "/" (dockerd routes no endpoint there); send it without the trailing slash'
    }
    if (s === '') return 'the request path has an empty segment ("//"), which dockerd redirects instead of executing'
    if (s === '.' || s === '..') {
      return `the request path has a "${s}" segment, which dockerd redirects instead of executing`
    }
  }
  return undefined
}

/** Go's `unescape(s, encodePath)`: every `%XX` decoded once, bytes read as UTF-8; undefined on error. */
export function percentDecode(s: string): string | undefined {
  if (!s.includes('%')) return s
  const bytes = percentDecodeBytes(s)
  if (bytes === undefined) return undefined
  try {
    return utf8.decode(bytes)
  } catch {
    return undefined
  }
}

function reject(reason: string): RejectedUri {
  return { ok: false, reason }
}
