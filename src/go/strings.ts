/**
 * Go's case folding and upper-casing of Unicode strings, as dockerd's JSON decoding and
 * capability names see them (Go 1.19, what Debian builds docker.io 20.10 with; the tables are
 * Unicode's simple case mappings, unchanged in later Go for these uses) and as the discovery
 * client's struct decoding does (current Go).
 */

function single(s: string): number | undefined {
  const cp = s.codePointAt(0)
  return cp !== undefined && s.length === (cp > 0xffff ? 2 : 1) ? cp : undefined
}

/**
 * One representative of a code point's simple case-folding orbit (Go `unicode.SimpleFold`):
 * the lower case of its upper case, where both are single code points. U+0130/U+0131 (dotted
 * capital and dotless small i) fold only to themselves in Go, though their case mappings are ASCII.
 */
export function goFoldRune(cp: number): number {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? cp + 0x20 : cp
  if (cp === 0x130 || cp === 0x131) return cp
  const ch = String.fromCodePoint(cp)
  const upper = single(ch.toUpperCase()) ?? cp
  return single(String.fromCodePoint(upper).toLowerCase()) ?? single(ch.toLowerCase()) ?? cp
}

/** A key equal for every string Go's `EqualFold` treats as equal. */
export function goFoldKey(s: string): string {
  if (/^[\x00-\x7f]*$/.test(s)) return s.toLowerCase()
  let out = ''
  for (const ch of s) out += String.fromCodePoint(goFoldRune(ch.codePointAt(0) as number))
  return out
}

/** Go's `strings.EqualFold` / the field matching of `encoding/json`. */
export function goFoldEqual(a: string, b: string): boolean {
  return a === b || goFoldKey(a) === goFoldKey(b)
}

/** Go's `strings.ToUpper`: per code point simple upper case (`ſ` → `S`, `ı` → `I`, `ß` stays). */
export function goToUpper(s: string): string {
  if (/^[\x00-\x7f]*$/.test(s)) return s.toUpperCase()
  let out = ''
  for (const ch of s) {
    const u = ch.toUpperCase()
    out += single(u) === undefined ? ch : u
  }
  return out
}
