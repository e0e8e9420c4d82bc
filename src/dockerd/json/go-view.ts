/**
 * A JSON body as dockerd's Go `encoding/json` decoder reads it (Go ≤ 1.20 `decode.go`, the
 * decoder dockerd 20.10 is built with). What matters, and what this module reproduces:
 *
 * - Struct fields match object keys exactly first, else by Go's Unicode simple case folding
 *   (`ſ` ~ `s`, Kelvin `K` ~ `k`); keys that match no field are skipped.
 * - Duplicate keys are decoded in order into the same location: an object decoded into an existing
 *   struct or non-nil pointer MERGES into it; a scalar replaces; `null` into a bool, string,
 *   number or struct value is a no-op, while `null` into a pointer, slice, map or interface sets nil.
 * - An array decoded into an existing slice reuses its elements: element i is decoded INTO old
 *   element i (structs merge, null elements keep the old value), even an element beyond the
 *   current length but within the capacity left by a longer earlier array (golang/go#21092).
 * - Maps are not folded: keys accumulate case-sensitively across duplicates of the map field, an
 *   exact duplicate key gets a fresh value (last wins, no merge).
 * - A type mismatch is an error; Go keeps decoding but returns it, and dockerd then rejects the
 *   request. The typed decoder records it in `errors`.
 *
 * Two views are offered: `decodeAs` (a typed decode driven by a schema, used by the Docker
 * readers) and `resolveBodyPath` (§5 body conditions, where the schema is unknown).
 */
import { goFoldEqual, goFoldKey } from '../../go/strings.js'
import { isMapField } from './body-paths.js'
import { isJsonObject, type JsonNode, type JsonObject } from './parse.js'

// ───────────────────────────── Decoded values ─────────────────────────────

/** A Go struct value (or the target of a non-nil pointer to one). Absent fields are zero. */
export class GoStruct {
  /** Field name (typed decode) or fold key (generic view) → value. */
  readonly fields = new Map<string, GoValue>()
  /** For the generic view: the first spelling of each field's key, for display. */
  readonly spelling = new Map<string, string>()
}

/** A non-nil Go map with string keys. */
export class GoMap {
  readonly entries = new Map<string, GoValue>()
}

/** A non-nil Go slice: `items` is the backing array (its length is the capacity). */
export class GoSlice {
  constructor(
    public items: Array<GoValue | undefined>,
    public len: number,
  ) {}

  elements(): GoValue[] {
    return this.items.slice(0, this.len).map((v) => (v === undefined ? null : v))
  }
}

/**
 * `null` is nil (or a zero pointer/slice/map/interface); scalars are themselves; a plain
 * JsonNode array or object is an opaque interface{} value (or one nested beyond the generic
 * view's depth limit).
 */
export type GoValue = JsonNode | GoStruct | GoMap | GoSlice

// ───────────────────────────── Typed decode ─────────────────────────────

export type Schema =
  | { readonly kind: 'bool' | 'string' | 'number' | 'any' | 'strslice' }
  | { readonly kind: 'struct'; readonly fields: ReadonlyArray<readonly [string, Schema]> }
  | { readonly kind: 'ptr' | 'slice' | 'map'; readonly elem: Schema }

/** Schema builders. Struct fields keep their declaration order (it decides fold ties, as in Go). */
export const go = {
  bool: { kind: 'bool' } as Schema,
  string: { kind: 'string' } as Schema,
  number: { kind: 'number' } as Schema,
  /** interface{}: any JSON, stored as given. */
  any: { kind: 'any' } as Schema,
  /** moby `strslice.StrSlice`: a string or an array of strings, decoded afresh every time. */
  strSlice: { kind: 'strslice' } as Schema,
  struct: (fields: Record<string, Schema>): Schema => ({ kind: 'struct', fields: Object.entries(fields) }),
  ptr: (elem: Schema): Schema => ({ kind: 'ptr', elem }),
  slice: (elem: Schema): Schema => ({ kind: 'slice', elem }),
  map: (elem: Schema): Schema => ({ kind: 'map', elem }),
}

export interface Decoded {
  value: GoValue
  /** Type mismatches; when not empty, dockerd rejects the request. */
  errors: string[]
}

/** Decodes a body into a value of `schema`, as `json.NewDecoder(body).Decode(&v)` would. */
export function decodeAs(schema: Schema, root: JsonNode): Decoded {
  const errors: string[] = []
  const value = decodeInto(schema, root, undefined, errors, '')
  return { value, errors }
}

interface FieldIndex {
  exact: Map<string, readonly [string, Schema]>
  folded: Map<string, readonly [string, Schema]>
}
const fieldIndexes = new WeakMap<Schema, FieldIndex>()

function fieldIndex(schema: Schema & { kind: 'struct' }): FieldIndex {
  let index = fieldIndexes.get(schema)
  if (!index) {
    index = { exact: new Map(), folded: new Map() }
    for (const f of schema.fields) {
      index.exact.set(f[0], f)
      const key = goFoldKey(f[0])
      if (!index.folded.has(key)) index.folded.set(key, f)
    }
    fieldIndexes.set(schema, index)
  }
  return index
}

function zeroOf(schema: Schema): GoValue {
  switch (schema.kind) {
    case 'bool':
      return false
    case 'string':
      return ''
    case 'number':
      return 0
    case 'struct':
      return new GoStruct()
    default:
      return null
  }
}

function jsonKind(node: JsonNode): string {
  if (node === null) return 'null'
  if (Array.isArray(node)) return 'array'
  return typeof node === 'object' ? 'object' : typeof node
}

function decodeInto(schema: Schema, node: JsonNode, old: GoValue | undefined, errors: string[], where: string): GoValue {
  const current = old === undefined ? zeroOf(schema) : old
  const mismatch = (): GoValue => {
    errors.push(`${where || 'body'}: cannot decode ${jsonKind(node)} into ${schema.kind}`)
    return current
  }
  switch (schema.kind) {
    case 'bool':
    case 'string':
    case 'number':
      if (node === null) return current
      return typeof node === (schema.kind === 'bool' ? 'boolean' : schema.kind) ? node : mismatch()
    case 'any':
      return node
    case 'ptr':
      if (node === null) return null
      // Go allocates the pointer before decoding into it, even when the value then mismatches.
      return decodeInto(schema.elem, node, current === null ? undefined : current, errors, where)
    case 'struct': {
      if (node === null) return current
      if (!isJsonObject(node)) return mismatch()
      const s = current instanceof GoStruct ? current : new GoStruct()
      const index = fieldIndex(schema)
      for (const [key, value] of node.entries) {
        const f = index.exact.get(key) ?? index.folded.get(goFoldKey(key))
        if (!f) continue
        const path = where ? `${where}.${f[0]}` : f[0]
        s.fields.set(f[0], decodeInto(f[1], value, s.fields.get(f[0]), errors, path))
      }
      return s
    }
    case 'map': {
      if (node === null) return null
      if (!isJsonObject(node)) return mismatch()
      const m = current instanceof GoMap ? current : new GoMap()
      for (const [key, value] of node.entries) {
        m.entries.set(key, decodeInto(schema.elem, value, undefined, errors, `${where}[${JSON.stringify(key)}]`))
      }
      return m
    }
    case 'slice': {
      if (node === null) return null
      if (!Array.isArray(node)) return mismatch()
      return decodeSlice(node, current instanceof GoSlice ? current : undefined, (item, oldItem, i) =>
        decodeInto(schema.elem, item, oldItem, errors, `${where}[${i}]`),
      )
    }
    case 'strslice': {
      if (node === null) return null
      if (typeof node === 'string') return new GoSlice([node], 1)
      if (!Array.isArray(node) || !node.every((e) => e === null || typeof e === 'string')) return mismatch()
      return new GoSlice(node.map((e) => e ?? ''), node.length)
    }
  }
}

/**
 * Go's `decodeState.array` for a slice: grow by half (at least 4) when full, decode element i
 * into whatever the backing array holds at i, then cut the length; `[]` is a fresh empty slice.
 */
function decodeSlice(
  node: JsonNode[],
  old: GoSlice | undefined,
  decodeItem: (item: JsonNode, oldItem: GoValue | undefined, i: number) => GoValue,
): GoSlice {
  if (node.length === 0) return new GoSlice([], 0)
  let items = old ? old.items : []
  let len = old ? old.len : 0
  for (let i = 0; i < node.length; i++) {
    if (i >= items.length) {
      const cap = Math.max(items.length + Math.floor(items.length / 2), 4)
      const grown: Array<GoValue | undefined> = items.slice(0, len)
      grown.length = cap
      items = grown
    }
    if (i >= len) len = i + 1
    items[i] = decodeItem(node[i] as JsonNode, items[i], i)
  }
  return new GoSlice(items, node.length)
}

/** A struct field's value, undefined when the struct is nil or the field was never set. */
export function fieldOf(v: GoValue | undefined, name: string): GoValue | undefined {
  return v instanceof GoStruct ? v.fields.get(name) : undefined
}

export function stringOf(v: GoValue | undefined): string {
  return typeof v === 'string' ? v : ''
}

export function boolOf(v: GoValue | undefined): boolean {
  return v === true
}

/** The elements of a slice (nil → none). */
export function elementsOf(v: GoValue | undefined): GoValue[] {
  return v instanceof GoSlice ? v.elements() : []
}

/** The value of an exact map key (maps are case-sensitive). */
export function mapGet(v: GoValue | undefined, key: string): GoValue | undefined {
  return v instanceof GoMap ? v.entries.get(key) : undefined
}

// ───────────────────────────── Generic view (§5) ─────────────────────────────

export interface BodyReading {
  /** Leaf values on this reading, arrays flattened, null and absent omitted. */
  values: JsonNode[]
}

/** Struct-valued (not pointer) fields: `null` leaves them as they are. */
const VALUE_STRUCT_FIELDS = new Set(['logconfig', 'restartpolicy'])
/** Pointer-to-scalar fields: `null` resets them. */
const POINTER_SCALAR_FIELDS = new Set(['init', 'oomkilldisable', 'pidslimit', 'memoryswappiness', 'stoptimeout'])
/** `strslice.StrSlice` fields: every array is decoded into a fresh slice (no element reuse). */
const FRESH_SLICE_FIELDS = new Set(['capadd', 'capdrop', 'cmd', 'entrypoint', 'shell'])
/** Slices of pointers to structs: a `null` element resets the element. */
const POINTER_ELEMENT_SLICES = new Set([
  'ulimits', 'blkioweightdevice', 'blkiodevicereadbps', 'blkiodevicewritebps', 'blkiodevicereadiops', 'blkiodevicewriteiops',
])

/** Nesting below this is kept as plain JSON (last duplicate wins): no Docker type is that deep. */
const GENERIC_DEPTH = 256
/** More readings than this are folded into two conservative ones (see `combine`). */
const MAX_READINGS = 64


interface Place {
  /** The key naming this location in its struct; undefined for elements, map values and the root. */
  name?: string | undefined
  /** The key of the struct field holding the struct this location is in. */
  parent?: string | undefined
  /** For slice elements: the key of the slice field. */
  sliceOf?: string | undefined
}

/** `null` into this location: nil for pointers, slices, maps and interfaces, no-op otherwise. */
function decodeNull(old: GoValue | undefined, at: Place): GoValue {
  if (old === undefined || old === null) return null
  if (old instanceof GoStruct) {
    if (at.sliceOf !== undefined) return POINTER_ELEMENT_SLICES.has(goFoldKey(at.sliceOf)) ? null : old
    return at.name !== undefined && VALUE_STRUCT_FIELDS.has(goFoldKey(at.name)) ? old : null
  }
  if (typeof old === 'object') return null // map, slice, interface
  return at.name !== undefined && POINTER_SCALAR_FIELDS.has(goFoldKey(at.name)) ? null : old
}

function decodeGeneric(node: JsonNode, old: GoValue | undefined, at: Place, depth: number): GoValue {
  if (depth > GENERIC_DEPTH) return node
  if (node === null) return decodeNull(old, at)
  if (Array.isArray(node)) {
    const elementPlace: Place = { sliceOf: at.name ?? at.sliceOf }
    const fresh = at.name !== undefined && FRESH_SLICE_FIELDS.has(goFoldKey(at.name))
    return decodeSlice(node, old instanceof GoSlice && !fresh ? old : undefined, (item, oldItem) =>
      decodeGeneric(item, oldItem, elementPlace, depth + 1),
    )
  }
  if (!isJsonObject(node)) return node
  if (isMapField(at.parent, at.name)) {
    const m = old instanceof GoMap ? old : new GoMap()
    for (const [key, value] of node.entries) m.entries.set(key, decodeGeneric(value, undefined, {}, depth + 1))
    return m
  }
  const s = old instanceof GoStruct ? old : new GoStruct()
  for (const [key, value] of node.entries) {
    const fk = goFoldKey(key)
    if (!s.spelling.has(fk)) s.spelling.set(fk, key)
    s.fields.set(fk, decodeGeneric(value, s.fields.get(fk), { name: key, parent: at.name }, depth + 1))
  }
  return s
}

const genericCache = new WeakMap<object, GoValue>()

/** The whole body decoded with every object a struct except the §5 map fields (cached per root). */
function genericView(root: JsonNode): GoValue {
  if (root === null || typeof root !== 'object') return root
  let view = genericCache.get(root)
  if (view === undefined) {
    view = decodeGeneric(root, undefined, {}, 0)
    genericCache.set(root, view)
  }
  return view
}

/**
 * The readings of a dotted body path (§5): normally one; several where a map-typed field holds
 * several keys that fold-match a segment (dockerd keeps them all). A segment following a map
 * field is one map key. A deny condition holds when ANY reading holds, an allow condition only
 * when ALL do.
 */
export function resolveBodyPath(root: JsonNode, segments: readonly string[]): BodyReading[] {
  return resolveAt(genericView(root), segments, 0)
}

function resolveAt(v: GoValue | undefined, segments: readonly string[], i: number): BodyReading[] {
  if (i === segments.length) return [{ values: leafValues(v) }]
  const segment = segments[i] as string
  if (v instanceof GoSlice || Array.isArray(v)) {
    // Arrays along the path: every element (nested arrays flattened), combined.
    return combine(flatten(v).map((e) => resolveAt(e, segments, i)))
  }
  if (v instanceof GoStruct) return resolveAt(v.fields.get(goFoldKey(segment)), segments, i + 1)
  if (v instanceof GoMap) {
    const readings: BodyReading[] = []
    for (const [key, value] of v.entries) {
      if (goFoldEqual(key, segment)) readings.push(...resolveAt(value, segments, i + 1))
    }
    return readings.length > 0 ? capReadings(readings) : [{ values: [] }]
  }
  if (isJsonObject(v ?? null)) {
    // Plain JSON beyond the depth limit: the last fold-matching key wins.
    const entries = (v as JsonObject).entries.filter(([k]) => goFoldEqual(k, segment))
    const last = entries[entries.length - 1]
    return resolveAt(last?.[1], segments, i + 1)
  }
  return [{ values: [] }]
}

/**
 * Readings of a path through every element of an array: one combined reading per choice of a
 * reading in each element. Past MAX_READINGS, two readings stand for all of them: the union of
 * every value (a deny holds on it exactly when it holds on some reading) and the values common to
 * every reading (an allow that holds on it holds on all readings) — never more permissive.
 */
function combine(perElement: BodyReading[][]): BodyReading[] {
  let product: BodyReading[] = [{ values: [] }]
  for (const readings of perElement) {
    if (readings.length === 1) {
      const only = (readings[0] as BodyReading).values
      for (const r of product) r.values.push(...only)
      continue
    }
    if (product.length * readings.length > MAX_READINGS) return collapse(perElement)
    product = product.flatMap((p) => readings.map((r) => ({ values: [...p.values, ...r.values] })))
  }
  return product
}

function capReadings(readings: BodyReading[]): BodyReading[] {
  return readings.length > MAX_READINGS ? collapse([readings]) : readings
}

function collapse(perElement: BodyReading[][]): BodyReading[] {
  const union: JsonNode[] = []
  const common: JsonNode[] = []
  for (const readings of perElement) {
    for (const r of readings) union.push(...r.values)
    const [first, ...rest] = readings
    for (const v of first?.values ?? []) if (rest.every((r) => r.values.includes(v))) common.push(v)
  }
  return [{ values: union }, { values: common }]
}

/** The non-array values in v, arrays (nested too) flattened, null and absent left out. Iterative. */
function flatten(v: GoValue | undefined): GoValue[] {
  const out: GoValue[] = []
  const stack: Array<GoValue | undefined> = [v]
  while (stack.length > 0) {
    const top = stack.pop()
    if (top === undefined || top === null) continue
    if (top instanceof GoSlice || Array.isArray(top)) {
      const items = top instanceof GoSlice ? top.elements() : top
      for (let k = items.length - 1; k >= 0; k--) stack.push(items[k])
      continue
    }
    out.push(top)
  }
  return out
}

function leafValues(v: GoValue | undefined): JsonNode[] {
  return flatten(v).map(toJson)
}

/** A decoded value back as JSON (merged, duplicates resolved). */
export function toJson(v: GoValue): JsonNode {
  if (v instanceof GoStruct) {
    return { kind: 'object', entries: [...v.fields].map(([k, f]) => [v.spelling.get(k) ?? k, toJson(f)] as const) }
  }
  if (v instanceof GoMap) return { kind: 'object', entries: [...v.entries].map(([k, f]) => [k, toJson(f)] as const) }
  if (v instanceof GoSlice) return v.elements().map(toJson)
  return v
}
