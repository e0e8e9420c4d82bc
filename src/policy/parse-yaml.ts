/**
 * YAML text → value plus the source position of every node, so that validation can point at
 * the offending key or value. js-yaml's event stream carries offsets; we walk it once alongside
 * the constructed value and record positions by node path (`rules[2].match.methods[0]`).
 */
import { constructFromEvents, getScalarValue, parseEvents, YAMLException } from 'js-yaml'
import type { Event } from 'js-yaml'

export interface Position {
  line: number
  column: number
}

export interface ParsedYaml {
  /** The document's value; undefined for an empty file. */
  value: unknown
  /** Position of the value at a node path. */
  valueAt(path: string): Position
  /** Position of the key that introduces a node path (its value's position when not a mapping key). */
  keyAt(path: string): Position
}

export interface YamlSyntaxError {
  line: number
  column: number
  message: string
}

const EV = { DOCUMENT: 1, SEQUENCE: 2, MAPPING: 3, SCALAR: 4, ALIAS: 5, POP: 6 } as const

export function parseYaml(text: string): ParsedYaml | YamlSyntaxError | { documents: number } {
  let events: Event[]
  let docs: unknown[]
  try {
    events = parseEvents(text, {})
    docs = constructFromEvents(events, { source: text, maxAliases: 1000 })
  } catch (e) {
    if (e instanceof YAMLException) {
      return { line: (e.mark?.line ?? 0) + 1, column: (e.mark?.column ?? 0) + 1, message: e.reason }
    }
    return { line: 1, column: 1, message: e instanceof Error ? e.message : String(e) }
  }
  if (docs.length > 1) return { documents: docs.length }

  const lineStarts = [0]
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) lineStarts.push(i + 1)
  const toPosition = (offset: number): Position => {
    let lo = 0
    let hi = lineStarts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((lineStarts[mid] as number) <= offset) lo = mid
      else hi = mid - 1
    }
    return { line: lo + 1, column: offset - (lineStarts[lo] as number) + 1 }
  }

  const values = new Map<string, number>()
  const keys = new Map<string, number>()
  let i = 0
  const start = (ev: Event): number => {
    const candidates: number[] = []
    if ('anchorStart' in ev && ev.anchorStart >= 0) candidates.push(ev.anchorStart)
    if ('tagStart' in ev && ev.tagStart >= 0) candidates.push(ev.tagStart)
    if ('start' in ev) candidates.push(ev.start)
    if ('valueStart' in ev) candidates.push(ev.valueStart)
    const known = candidates.filter((c) => c >= 0)
    return known.length ? Math.min(...known) : -1
  }
  // Walks one node starting at events[i], recording positions under `path`; leaves i after it.
  const walk = (path: string): void => {
    const ev = events[i++] as Event
    // An empty value (`groups:`) has no position of its own: it is where its key is.
    const at = start(ev)
    const keyAt = keys.get(path)
    if (at >= 0) values.set(path, at)
    else if (keyAt !== undefined) values.set(path, keyAt)
    if (ev.type === EV.MAPPING) {
      while ((events[i] as Event).type !== EV.POP) {
        const keyEv = events[i] as Event
        const key = keyEv.type === EV.SCALAR ? getScalarValue(text, keyEv) : undefined
        const childPath = key === undefined ? `${path}.?` : path === '' ? key : `${path}.${key}`
        keys.set(childPath, Math.max(0, start(keyEv)))
        skip() // the key node
        walk(childPath)
      }
      i++
    } else if (ev.type === EV.SEQUENCE) {
      let n = 0
      while ((events[i] as Event).type !== EV.POP) walk(`${path}[${n++}]`)
      i++
    }
  }
  const skip = (): void => {
    let depth = 0
    do {
      const ev = events[i++] as Event
      if (ev.type === EV.MAPPING || ev.type === EV.SEQUENCE) depth++
      else if (ev.type === EV.POP) depth--
    } while (depth > 0)
  }
  if (docs.length === 1 && (events[0] as Event | undefined)?.type === EV.DOCUMENT) {
    i = 1
    if (i < events.length && (events[i] as Event).type !== EV.POP) walk('')
  }

  const valueAt = (path: string): Position => {
    for (let p: string | undefined = path; p !== undefined; p = parentPath(p)) {
      const offset = values.get(p)
      if (offset !== undefined) return toPosition(offset)
    }
    return { line: 1, column: 1 }
  }
  return {
    value: docs[0] ?? undefined,
    valueAt,
    keyAt: (path) => {
      const offset = keys.get(path)
      return offset !== undefined ? toPosition(offset) : valueAt(path)
    },
  }
}

/** `a.b[2].c` → `a.b[2]` → `a.b` → `a` → `` → undefined */
function parentPath(path: string): string | undefined {
  if (path === '') return undefined
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['))
  return cut <= 0 ? '' : path.slice(0, cut)
}

export function isSyntaxError(r: ReturnType<typeof parseYaml>): r is YamlSyntaxError {
  return 'message' in r
}
