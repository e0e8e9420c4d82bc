/**
 * Go's `net/url.Parse`, as far as a plugin address needs it: which strings parse, into which
 * scheme / host / path, and with which error text. dockerd parses `.spec` contents with it and
 * decides from the result where to dial, so WHATWG `URL` (which accepts and rejects other strings)
 * cannot stand in. Host rules are those of Go 1.26 (moby builds with go 1.26): colons outside
 * brackets are strict (`urlstrictcolons=1`) and a bracketed host must be an IPv6 address at the
 * start of the host.
 */
import { parseIp } from './ip.js'
import { goQuote } from './text.js'

export interface GoURL {
  /** Lower-cased. */
  scheme: string
  /** Set for `scheme:rest` where rest does not start with `/` (e.g. `localhost:8080`). */
  opaque: string
  /** Unescaped `host[:port]`, brackets kept. */
  host: string
  /** Unescaped. */
  path: string
  /** The escaped path as written, when it differs from Go's default escaping. */
  rawPath: string
  rawQuery: string
  forceQuery: boolean
  fragment: string
}

export class GoURLError extends Error {
  override name = 'GoURLError'
}

type Mode = 'path' | 'host' | 'zone' | 'userPassword' | 'fragment'

const isAlnum = (c: string): boolean => /^[A-Za-z0-9]$/.test(c)
const isHex = (c: string | undefined): boolean => c !== undefined && /^[0-9A-Fa-f]$/.test(c)

function shouldEscape(c: string, mode: Mode): boolean {
  if (isAlnum(c)) return false
  if ((mode === 'host' || mode === 'zone') && `!$&'()*+,;=:[]<>"`.includes(c)) return false
  if ('-_.~'.includes(c)) return false
  if ('$&+,/:;=?@'.includes(c)) {
    if (mode === 'path') return c === '?'
    if (mode === 'userPassword') return '@/?:'.includes(c)
    if (mode === 'fragment') return false
  }
  if (mode === 'fragment' && '!()*'.includes(c)) return false
  return true
}

function unescape(s: string, mode: Mode): string {
  for (let i = 0; i < s.length;) {
    const c = s[i] as string
    if (c === '%') {
      if (!isHex(s[i + 1]) || !isHex(s[i + 2])) throw new GoURLError(`invalid URL escape ${goQuote(s.slice(i, i + 3))}`)
      const three = s.slice(i, i + 3)
      const value = parseInt(three.slice(1), 16)
      if (mode === 'host' && value < 0x80 && three !== '%25') throw new GoURLError(`invalid URL escape ${goQuote(three)}`)
      if (mode === 'zone' && three !== '%25' && value !== 0x20 && shouldEscape(String.fromCharCode(value), 'host')) {
        throw new GoURLError(`invalid URL escape ${goQuote(three)}`)
      }
      i += 3
      continue
    }
    if ((mode === 'host' || mode === 'zone') && c.charCodeAt(0) < 0x80 && shouldEscape(c, mode)) {
      throw new GoURLError(`invalid character ${goQuote(c)} in host name`)
    }
    i++
  }
  if (!s.includes('%')) return s
  return decodePercent(s)
}

/** Percent-decodes byte-wise (Go strings are bytes), reading each run of escapes as UTF-8. */
function decodePercent(s: string): string {
  return s.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => Buffer.from(run.replace(/%/g, ''), 'hex').toString('utf8'))
}

function escape(s: string, mode: Mode): string {
  let out = ''
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte)
    out += byte >= 0x80 || shouldEscape(c, mode) ? '%' + byte.toString(16).toUpperCase().padStart(2, '0') : c
  }
  return out
}

function getScheme(raw: string): [scheme: string, rest: string] {
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string
    if (/[A-Za-z]/.test(c)) continue
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) return ['', raw]
      continue
    }
    if (c === ':') {
      if (i === 0) throw new GoURLError('missing protocol scheme')
      return [raw.slice(0, i), raw.slice(i + 1)]
    }
    return ['', raw]
  }
  return ['', raw]
}

function validOptionalPort(port: string): boolean {
  return port === '' || /^:[0-9]*$/.test(port)
}

function invalidPort(colonPort: string): GoURLError {
  return new GoURLError(`invalid port ${goQuote(colonPort)} after host`)
}

function parseHost(host: string): string {
  const open = host.lastIndexOf('[')
  if (open > 0) throw new GoURLError('invalid IP-literal')
  if (open === 0) {
    const close = host.lastIndexOf(']')
    if (close < 0) throw new GoURLError(`missing ']' in host`)
    const colonPort = host.slice(close + 1)
    if (!validOptionalPort(colonPort)) throw invalidPort(colonPort)
    const literal = host.slice(1, close)
    const zone = literal.indexOf('%25')
    const address = zone >= 0
      ? unescape(literal.slice(0, zone), 'host') + unescape(literal.slice(zone), 'zone')
      : unescape(literal, 'host')
    const ip = parseIp(address.split('%')[0] as string)
    if (ip?.length === 4) throw new GoURLError('invalid IP-literal')
    if (ip === undefined) throw new GoURLError(`invalid host: ParseAddr(${goQuote(address)}): unable to parse IP`)
    return `[${address}]${colonPort}`
  }
  const colon = host.indexOf(':')
  if (colon >= 0 && !validOptionalPort(host.slice(colon))) throw invalidPort(host.slice(colon))
  return unescape(host, 'host')
}

function validUserinfo(s: string): boolean {
  return /^[A-Za-z0-9\-._:~!$&'()*+,;=%@]*$/.test(s)
}

function parseAuthority(authority: string): string {
  const at = authority.lastIndexOf('@')
  const host = parseHost(authority.slice(at + 1))
  if (at >= 0) {
    const userinfo = authority.slice(0, at)
    if (!validUserinfo(userinfo)) throw new GoURLError('net/url: invalid userinfo')
    for (const part of userinfo.split(':').slice(0, 2)) unescape(part, 'userPassword')
  }
  return host
}

function parseWithoutFragment(raw: string): GoURL {
  if (/[\x00-\x1f\x7f]/.test(raw)) throw new GoURLError('net/url: invalid control character in URL')
  const url: GoURL = { scheme: '', opaque: '', host: '', path: '', rawPath: '', rawQuery: '', forceQuery: false, fragment: '' }
  if (raw === '*') return { ...url, path: '*' }
  let [scheme, rest] = getScheme(raw)
  url.scheme = scheme.toLowerCase()
  if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) {
    url.forceQuery = true
    rest = rest.slice(0, -1)
  } else if (rest.includes('?')) {
    url.rawQuery = rest.slice(rest.indexOf('?') + 1)
    rest = rest.slice(0, rest.indexOf('?'))
  }
  if (!rest.startsWith('/')) {
    if (url.scheme !== '') return { ...url, opaque: rest }
    // Go: "first path segment in URL cannot contain colon" keeps `127.0.0.1:8080` from parsing.
    if ((rest.split('/')[0] ?? '').includes(':')) throw new GoURLError('first path segment in URL cannot contain colon')
  }
  if ((url.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2)
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash)
    rest = slash < 0 ? '' : rest.slice(slash)
    url.host = parseAuthority(authority)
  }
  url.path = unescape(rest, 'path')
  url.rawPath = escape(url.path, 'path') === rest ? '' : rest
  return url
}

/** `url.Parse`; errors carry Go's text, `parse "<raw>": <reason>`. */
export function parseGoURL(raw: string): GoURL {
  const hash = raw.indexOf('#')
  const beforeFragment = hash < 0 ? raw : raw.slice(0, hash)
  const url = withParseContext(beforeFragment, () => parseWithoutFragment(beforeFragment))
  if (hash >= 0) url.fragment = withParseContext(raw, () => unescape(raw.slice(hash + 1), 'fragment'))
  return url
}

function withParseContext<T>(shown: string, parse: () => T): T {
  try {
    return parse()
  } catch (err) {
    if (err instanceof GoURLError) throw new GoURLError(`parse ${goQuote(shown)}: ${err.message}`)
    throw err
  }
}

/** `URL.EscapedPath`: the request-target path Go writes for a parsed path. */
export function escapedPath(url: GoURL): string {
  if (url.rawPath !== '' && validEncoded(url.rawPath)) {
    try {
      if (unescape(url.rawPath, 'path') === url.path) return url.rawPath
    } catch {
      // fall through to the default escaping, as Go does
    }
  }
  return url.path === '*' ? '*' : escape(url.path, 'path')
}

function validEncoded(s: string): boolean {
  for (const c of s) {
    if (`!$&'()*+,;=:@[]%`.includes(c)) continue
    if (c.charCodeAt(0) >= 0x80 || shouldEscape(c, 'path')) return false
  }
  return true
}

/** `%XX` → byte, everything else as its UTF-8 bytes; undefined on an invalid escape. */
export function percentDecodeBytes(s: string): Uint8Array | undefined {
  const bytes: number[] = []
  const text = new TextEncoder().encode(s)
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as number
    if (c !== 0x25) {
      bytes.push(c)
      continue
    }
    const hi = hexValue(text[i + 1])
    const lo = hexValue(text[i + 2])
    if (hi < 0 || lo < 0) return undefined
    bytes.push(hi * 16 + lo)
    i += 2
  }
  return Uint8Array.from(bytes)
}

function hexValue(c: number | undefined): number {
  if (c === undefined) return -1
  if (c >= 0x30 && c <= 0x39) return c - 0x30
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10
  return -1
}
