/**
 * Go's spellings of values that end up in error and log text: `%q` quoting, `time.Duration`, and
 * the syscall messages behind Node's errno codes. dockerd's error texts are built from these, so
 * the discovery client prints them the same way.
 */

const SHORT_ESCAPES: Record<number, string> = { 7: '\\a', 8: '\\b', 9: '\\t', 10: '\\n', 11: '\\v', 12: '\\f', 13: '\\r' }
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u

/** `strconv.Quote` (`%q`): double quotes, Go escapes, printable Unicode kept as is. */
export function goQuote(s: string): string {
  let out = '"'
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0
    if (ch === '"' || ch === '\\') out += '\\' + ch
    else if (PRINTABLE.test(ch)) out += ch
    else if (SHORT_ESCAPES[cp] !== undefined) out += SHORT_ESCAPES[cp]
    else if (cp < 0x80) out += '\\x' + cp.toString(16).padStart(2, '0')
    else if (cp < 0x10000) out += '\\u' + cp.toString(16).padStart(4, '0')
    else out += '\\U' + cp.toString(16).padStart(8, '0')
  }
  return out + '"'
}

/** `time.Duration.String()` for the whole-millisecond durations the retry loops use. */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s'
  if (ms < 1000) return `${ms}ms`
  const minutes = Math.floor(ms / 60_000)
  const seconds = `${(ms % 60_000) / 1000}s`
  return minutes > 0 ? `${minutes}m${seconds}` : seconds
}

const ERRNO_TEXT: Record<string, string> = {
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'cannot assign requested address',
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by peer',
  EHOSTUNREACH: 'no route to host',
  EISDIR: 'is a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  ENETUNREACH: 'network is unreachable',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'not a directory',
  ENOTSOCK: 'socket operation on non-socket',
  EPERM: 'operation not permitted',
  EPIPE: 'broken pipe',
  ETIMEDOUT: 'connection timed out',
}

/** The text of Go's `syscall.Errno` for a Node error code, or Node's own message. */
export function errnoText(err: NodeJS.ErrnoException): string {
  return (err.code !== undefined && ERRNO_TEXT[err.code]) || err.message
}

/** Go's `*fs.PathError` text: `open /x: no such file or directory`. */
export function pathErrorText(op: string, path: string, err: unknown): string {
  return `${op} ${path}: ${errnoText(err as NodeJS.ErrnoException)}`
}
