/**
 * A strict JSON (RFC 8259) parser that keeps what `JSON.parse` throws away: duplicate keys and
 * their order. dockerd's Go decoder processes every duplicate in order (objects merge, the last
 * scalar wins), so the policy engine must see all of them — see go-view.ts.
 *
 * Where Go's `encoding/json` and RFC 8259 leave room, this follows Go (dockerd 20.10):
 * - whitespace is only space, tab, CR and LF; a UTF-8 byte order mark is a syntax error;
 * - nesting deeper than 10000 arrays/objects is an error (Go's scanner `maxNestingDepth`);
 * - invalid UTF-8 inside a string becomes U+FFFD, one per bad byte (Go's `utf8.DecodeRune`);
 * - a `\u` escape of an unpaired surrogate becomes U+FFFD.
 * dockerd's `json.Decoder` stops after the first value and ignores what follows (measured on
 * 20.10); by default anything after the value is an error here, so such a body is no evidence
 * (§5); `allowTrailing` reads it as dockerd does.
 *
 * The parser is iterative, so hostile nesting cannot overflow the stack.
 */

export interface JsonObject {
  readonly kind: 'object'
  /** Every member in document order, duplicates included. */
  readonly entries: ReadonlyArray<readonly [string, JsonNode]>
}

export type JsonNode = null | boolean | number | string | JsonNode[] | JsonObject

export function isJsonObject(node: JsonNode | undefined): node is JsonObject {
  return typeof node === 'object' && node !== null && !Array.isArray(node)
}

/** Go's scanner limit: depth 10000 is accepted, 10001 is "exceeded max depth". */
export const MAX_JSON_DEPTH = 10000

const REPLACEMENT = '\uFFFD'

/**
 * Decodes bytes as Go does when it turns them into a string: every byte that does not start a
 * valid, shortest-form UTF-8 sequence of a scalar value becomes one U+FFFD.
 */
export function decodeUtf8Go(bytes: Uint8Array): string {
  let out = ''
  let chunk: number[] = []
  const flush = (): void => {
    out += String.fromCodePoint(...chunk)
    chunk = []
  }
  let i = 0
  while (i < bytes.length) {
    const [cp, size] = decodeRune(bytes, i)
    chunk.push(cp)
    i += size
    if (chunk.length >= 4096) flush()
  }
  flush()
  return out
}

function cont(bytes: Uint8Array, i: number, lo = 0x80, hi = 0xbf): number | undefined {
  const b = bytes[i]
  return b !== undefined && b >= lo && b <= hi ? b & 0x3f : undefined
}

/** One rune as Go's utf8.DecodeRune reads it: [code point, bytes consumed]. */
function decodeRune(bytes: Uint8Array, i: number): [number, number] {
  const b0 = bytes[i] as number
  if (b0 < 0x80) return [b0, 1]
  const bad: [number, number] = [0xfffd, 1]
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    const c1 = cont(bytes, i + 1)
    return c1 === undefined ? bad : [((b0 & 0x1f) << 6) | c1, 2]
  }
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const lo = b0 === 0xe0 ? 0xa0 : 0x80
    const hi = b0 === 0xed ? 0x9f : 0xbf
    const c1 = cont(bytes, i + 1, lo, hi)
    const c2 = c1 === undefined ? undefined : cont(bytes, i + 2)
    return c1 === undefined || c2 === undefined ? bad : [((b0 & 0x0f) << 12) | (c1 << 6) | c2, 3]
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const lo = b0 === 0xf0 ? 0x90 : 0x80
    const hi = b0 === 0xf4 ? 0x8f : 0xbf
    const c1 = cont(bytes, i + 1, lo, hi)
    const c2 = c1 === undefined ? undefined : cont(bytes, i + 2)
    const c3 = c2 === undefined ? undefined : cont(bytes, i + 3)
    if (c1 === undefined || c2 === undefined || c3 === undefined) return bad
    return [((b0 & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3, 4]
  }
  return bad
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/**
 * Bytes as Go turns them into a string: valid UTF-8 is decoded natively (ten times faster), and
 * only a body with invalid sequences takes the byte-by-byte path that replaces them as Go does
 * (the WHATWG decoder would replace maximal subparts instead of single bytes).
 */
export function decodeTextGo(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes)
  } catch {
    return decodeUtf8Go(bytes)
  }
}

/** The request body as dockerd receives it: bytes, decoded as Go would, then parsed. */
export function decodeBodyBytes(bytes: Uint8Array, options: ParseOptions = {}): JsonNode | undefined {
  return parseJson(decodeTextGo(bytes), options)
}

interface ArrayFrame {
  readonly kind: 'array'
  readonly items: JsonNode[]
}
interface ObjectFrame {
  readonly kind: 'object'
  readonly entries: Array<readonly [string, JsonNode]>
  key: string | undefined
}
type Frame = ArrayFrame | ObjectFrame

class SyntaxFailure extends Error {}

export interface ParseOptions {
  /**
   * Read the first value and ignore whatever follows it, as dockerd's `json.Decoder` does
   * (`{"Privileged":true} junk` creates a privileged container). Default false: such a body is
   * not JSON, which §5 treats as no evidence.
   */
  allowTrailing?: boolean
}

/** Parses one JSON value surrounded by optional whitespace; undefined when it is not valid JSON. */
export function parseJson(text: string, options: ParseOptions = {}): JsonNode | undefined {
  try {
    return new Parser(text).document(options.allowTrailing === true)
  } catch (err) {
    if (err instanceof SyntaxFailure) return undefined
    throw err
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y

class Parser {
  private pos = 0
  private readonly stack: Frame[] = []

  constructor(private readonly text: string) {}

  private fail(): never {
    throw new SyntaxFailure()
  }

  private skipSpace(): void {
    const t = this.text
    for (;;) {
      const c = t.charCodeAt(this.pos)
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++
      else return
    }
  }

  private expect(literal: string): void {
    if (!this.text.startsWith(literal, this.pos)) this.fail()
    this.pos += literal.length
  }

  document(allowTrailing: boolean): JsonNode {
    this.skipSpace()
    const value = this.value()
    if (allowTrailing) return value
    this.skipSpace()
    if (this.pos !== this.text.length) this.fail()
    return value
  }

  /** Reads a whole value; containers are handled with an explicit stack. */
  private value(): JsonNode {
    for (;;) {
      // Read one token that starts a value, or opens a container.
      let completed: JsonNode
      const c = this.text[this.pos]
      if (c === '[' || c === '{') {
        if (this.stack.length >= MAX_JSON_DEPTH) this.fail()
        this.pos++
        this.skipSpace()
        const close = c === '[' ? ']' : '}'
        if (this.text[this.pos] === close) {
          this.pos++
          completed = c === '[' ? [] : { kind: 'object', entries: [] }
        } else if (c === '[') {
          this.stack.push({ kind: 'array', items: [] })
          continue
        } else {
          const frame: ObjectFrame = { kind: 'object', entries: [], key: undefined }
          this.stack.push(frame)
          frame.key = this.memberKey()
          continue
        }
      } else {
        completed = this.scalar()
      }
      // Store the completed value, closing every container it completes.
      for (;;) {
        const top = this.stack[this.stack.length - 1]
        if (top === undefined) return completed
        if (top.kind === 'array') top.items.push(completed)
        else top.entries.push([top.key as string, completed])
        this.skipSpace()
        const sep = this.text[this.pos]
        this.pos++
        if (sep === ',') {
          this.skipSpace()
          if (top.kind === 'object') top.key = this.memberKey()
          break
        }
        if (sep !== (top.kind === 'array' ? ']' : '}')) this.fail()
        this.stack.pop()
        completed = top.kind === 'array' ? top.items : { kind: 'object', entries: top.entries }
      }
    }
  }

  /** `"key"` `:` and the whitespace after it. */
  private memberKey(): string {
    if (this.text[this.pos] !== '"') this.fail()
    const key = this.string()
    this.skipSpace()
    this.expect(':')
    this.skipSpace()
    return key
  }

  private scalar(): JsonNode {
    const c = this.text[this.pos]
    switch (c) {
      case '"':
        return this.string()
      case 't':
        this.expect('true')
        return true
      case 'f':
        this.expect('false')
        return false
      case 'n':
        this.expect('null')
        return null
      default: {
        NUMBER.lastIndex = this.pos
        const m = NUMBER.exec(this.text)
        if (m === null || m[0] === '') this.fail()
        this.pos += m[0].length
        return Number(m[0])
      }
    }
  }

  private string(): string {
    const t = this.text
    this.pos++ // opening quote
    let out = ''
    let start = this.pos
    for (;;) {
      const code = t.charCodeAt(this.pos)
      if (Number.isNaN(code)) this.fail()
      if (code === 0x22) {
        out += t.slice(start, this.pos)
        this.pos++
        return out
      }
      if (code < 0x20) this.fail()
      if (code >= 0xd800 && code <= 0xdfff) {
        // A lone surrogate in the text stands for bytes Go would have replaced.
        const next = t.charCodeAt(this.pos + 1)
        if (code <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          this.pos += 2
        } else {
          out += t.slice(start, this.pos) + REPLACEMENT
          this.pos++
          start = this.pos
        }
        continue
      }
      if (code !== 0x5c) {
        this.pos++
        continue
      }
      out += t.slice(start, this.pos)
      out += this.escape()
      start = this.pos
    }
  }

  private escape(): string {
    const t = this.text
    const c = t[this.pos + 1]
    this.pos += 2
    switch (c) {
      case '"':
        return '"'
      case '\\':
        return '\\'
      case '/':
        return '/'
      case 'b':
        return '\b'
      case 'f':
        return '\f'
      case 'n':
        return '\n'
      case 'r':
        return '\r'
      case 't':
        return '\t'
      case 'u': {
        const first = this.hex4()
        if (first < 0xd800 || first > 0xdfff) return String.fromCharCode(first)
        // Go: a surrogate is kept only as the high half of a valid \u pair.
        if (first <= 0xdbff && t[this.pos] === '\\' && t[this.pos + 1] === 'u') {
          const save = this.pos
          this.pos += 2
          const second = this.hex4()
          if (second >= 0xdc00 && second <= 0xdfff) return String.fromCharCode(first, second)
          this.pos = save
        }
        return REPLACEMENT
      }
      default:
        return this.fail()
    }
  }

  private hex4(): number {
    const digits = this.text.slice(this.pos, this.pos + 4)
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) this.fail()
    this.pos += 4
    return parseInt(digits, 16)
  }
}
