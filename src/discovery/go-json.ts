/**
 * Go's `encoding/json` where dockerd's behaviour shows through: `json.Encoder` output (HTML-safe
 * escapes, trailing newline), `json.Decoder.Decode` (first value only, trailing bytes ignored,
 * Go's syntax-error texts) and decoding into a struct (keys matched case-insensitively, the last
 * matching key wins, unknown keys ignored, `null` leaves a field at its zero value).
 */
import { goFoldKey } from '../go/strings.js'

export class GoJSONError extends Error {
  override name = 'GoJSONError'
}

/** `json.NewEncoder(w).Encode(v)`: `<`, `>`, `&`, U+2028 and U+2029 escaped, then `\n`. */
export function goJSONEncode(value: unknown): string {
  const json = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' ? v.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD') : v)
  if (json === undefined) throw new GoJSONError(`json: unsupported value: ${String(value)}`)
  const escapes: Record<string, string> = { '<': '\\u003c', '>': '\\u003e', '&': '\\u0026', '\u2028': '\\u2028', '\u2029': '\\u2029' }
  return json.replace(/[<>&\u2028\u2029]/g, (c) => escapes[c] ?? c) + '\n'
}

function quoteChar(c: string): string {
  if (c === "'") return `'\\''`
  if (c === '"') return `'"'`
  const quoted = JSON.stringify(c)
  return `'${quoted.slice(1, -1)}'`
}

/** Finds where the first JSON value of `s` ends, failing with Go's scanner messages. */
class FirstValueScanner {
  i = 0
  constructor(private readonly s: string) {}

  private peek(): string {
    const c = this.s[this.i]
    if (c === undefined) throw new GoJSONError('unexpected EOF')
    return c
  }

  private fail(context: string): never {
    throw new GoJSONError(`invalid character ${quoteChar(this.peek())} ${context}`)
  }

  skipSpace(): boolean {
    while (this.i < this.s.length && ' \t\r\n'.includes(this.s[this.i] as string)) this.i++
    return this.i < this.s.length
  }

  value(): void {
    this.skipSpace()
    const c = this.peek()
    if (c === '{') this.object()
    else if (c === '[') this.array()
    else if (c === '"') this.string()
    else if (c === '-' || /[0-9]/.test(c)) this.number()
    else if (c === 't') this.literal('true')
    else if (c === 'f') this.literal('false')
    else if (c === 'n') this.literal('null')
    else this.fail('looking for beginning of value')
  }

  private object(): void {
    this.i++
    this.skipSpace()
    if (this.peek() === '}') return void this.i++
    for (;;) {
      if (this.peek() !== '"') this.fail('looking for beginning of object key string')
      this.string()
      this.skipSpace()
      if (this.peek() !== ':') this.fail('after object key')
      this.i++
      this.value()
      this.skipSpace()
      const next = this.peek()
      if (next === '}') return void this.i++
      if (next !== ',') this.fail('after object key:value pair')
      this.i++
      this.skipSpace()
    }
  }

  private array(): void {
    this.i++
    this.skipSpace()
    if (this.peek() === ']') return void this.i++
    for (;;) {
      this.value()
      this.skipSpace()
      const next = this.peek()
      if (next === ']') return void this.i++
      if (next !== ',') this.fail('after array element')
      this.i++
    }
  }

  private string(): void {
    this.i++
    for (;;) {
      const c = this.peek()
      if (c === '"') return void this.i++
      if (c.charCodeAt(0) < 0x20) this.fail('in string literal')
      this.i++
      if (c !== '\\') continue
      const esc = this.peek()
      if (esc === 'u') {
        for (let k = 0; k < 4; k++) {
          this.i++
          if (!/[0-9A-Fa-f]/.test(this.peek())) this.fail('in \\u hexadecimal character escape')
        }
      } else if (!'"\\/bfnrt'.includes(esc)) {
        this.fail('in string escape code')
      }
      this.i++
    }
  }

  private digits(): void {
    while (/[0-9]/.test(this.s[this.i] ?? '')) this.i++
  }

  private number(): void {
    if (this.peek() === '-') this.i++
    if (!/[0-9]/.test(this.peek())) this.fail('in numeric literal')
    if (this.peek() === '0') this.i++
    else this.digits()
    if (this.s[this.i] === '.') {
      this.i++
      if (!/[0-9]/.test(this.peek())) this.fail('after decimal point in numeric literal')
      this.digits()
    }
    if (this.s[this.i] === 'e' || this.s[this.i] === 'E') {
      this.i++
      if (this.peek() === '+' || this.peek() === '-') this.i++
      if (!/[0-9]/.test(this.peek())) this.fail('in exponent of numeric literal')
      this.digits()
    }
  }

  private literal(word: string): void {
    for (let k = 0; k < word.length; k++) {
      if (this.peek() !== word[k]) this.fail(`in literal ${word} (expecting ${quoteChar(word[k] as string)})`)
      this.i++
    }
  }
}

/** `json.NewDecoder(r).Decode(&v)` into an untyped value: the first value; the rest is ignored. */
export function decodeFirstValue(text: string): unknown {
  const scanner = new FirstValueScanner(text)
  if (!scanner.skipSpace()) throw new GoJSONError('EOF')
  const start = scanner.i
  scanner.value()
  return JSON.parse(text.slice(start, scanner.i))
}


export type GoField = 'string' | 'bool' | 'int' | 'uint16' | 'string[]' | GoStruct
export interface GoStruct {
  /** Go's type name, for error texts (`Options`). */
  goName: string
  fields: Record<string, GoField>
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array'
  if (typeof v === 'boolean') return 'bool'
  return typeof v === 'object' ? 'object' : typeof v
}

const GO_TYPE_NAMES: Record<string, string> = { 'string[]': '[]string' }

interface DecodeContext {
  struct: string
  path: string[]
}

function typeError(v: unknown, field: GoField, ctx: DecodeContext, showNumber = false): GoJSONError {
  const what = showNumber ? `number ${String(v)}` : jsonKind(v)
  const type = typeof field === 'string' ? (GO_TYPE_NAMES[field] ?? field) : `*${field.goName}`
  return new GoJSONError(`json: cannot unmarshal ${what} into Go struct field ${ctx.struct}.${ctx.path.join('.')} of type ${type}`)
}

function decodeField(v: unknown, field: GoField, ctx: DecodeContext): unknown {
  if (typeof field === 'object') return decodeStructValue(v, field, ctx)
  switch (field) {
    case 'string':
      if (typeof v !== 'string') throw typeError(v, field, ctx)
      return v
    case 'bool':
      if (typeof v !== 'boolean') throw typeError(v, field, ctx)
      return v
    case 'int':
    case 'uint16': {
      if (typeof v !== 'number') throw typeError(v, field, ctx)
      const inRange = field === 'int' ? Number.isSafeInteger(v) : Number.isInteger(v) && v >= 0 && v <= 0xffff
      if (!inRange) throw typeError(v, field, ctx, true)
      return v
    }
    case 'string[]':
      if (!Array.isArray(v)) throw typeError(v, field, ctx)
      return v.map((item: unknown) => (item === null ? '' : decodeField(item, 'string', ctx)))
  }
}

function decodeStructValue(v: unknown, type: GoStruct, ctx: DecodeContext): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw typeError(v, type, ctx)
  const out: Record<string, unknown> = {}
  const byFold = new Map(Object.keys(type.fields).map((name) => [goFoldKey(name), name]))
  for (const [key, value] of Object.entries(v)) {
    const name = byFold.get(goFoldKey(key))
    if (name === undefined || value === null) continue
    out[name] = decodeField(value, type.fields[name] as GoField, { struct: type.goName, path: [...ctx.path, name] })
  }
  return out
}

/**
 * Decodes an already-parsed JSON value into a Go struct: returns the fields that were set
 * (absent or `null` ones are missing), or throws Go's `UnmarshalTypeError` text. A top-level
 * `null` decodes to an empty struct, as in Go.
 */
export function decodeStruct(value: unknown, type: GoStruct, qualifiedName: string): Record<string, unknown> {
  if (value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new GoJSONError(`json: cannot unmarshal ${jsonKind(value)} into Go value of type ${qualifiedName}`)
  }
  return decodeStructValue(value, type, { struct: type.goName, path: [] })
}
