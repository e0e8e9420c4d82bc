import { percentDecodeBytes } from './url.js'

const lenientUtf8 = new TextDecoder('utf-8')

/**
 * Go's `url.ParseQuery`, which dockerd's handlers read through `r.Form`:
 * pairs split on `&`; a pair containing `;` is skipped (Go ≥ 1.17); key and value split at the
 * first `=`; `+` is a space and `%XX` is decoded; a pair with an invalid escape is skipped.
 * Repeated parameters keep every value, in order.
 */
export function parseQuery(rawQuery: string): Map<string, string[]> {
  const out = new Map<string, string[]>()
  for (const pair of rawQuery.split('&')) {
    if (pair === '' || pair.includes(';')) continue
    const eq = pair.indexOf('=')
    const key = queryUnescape(eq >= 0 ? pair.slice(0, eq) : pair)
    const value = queryUnescape(eq >= 0 ? pair.slice(eq + 1) : '')
    if (key === undefined || value === undefined) continue
    const list = out.get(key)
    if (list) list.push(value)
    else out.set(key, [value])
  }
  return out
}

function queryUnescape(s: string): string | undefined {
  const plus = s.replaceAll('+', ' ')
  if (!plus.includes('%')) return plus
  const bytes = percentDecodeBytes(plus)
  // Go keeps invalid UTF-8 bytes as they are; here they become U+FFFD, which no policy glob
  // written in text matches either.
  return bytes === undefined ? undefined : lenientUtf8.decode(bytes)
}
