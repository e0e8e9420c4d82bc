/**
 * Glob matchers, built once per policy set. The only importer of minimatch.
 *
 * - Path globs (`paths`, `host_mounts`, device paths) are minimatch globs with `dot: true`:
 *   `*` stays inside one segment and `**` crosses segments; a trailing `/**` also matches the
 *   path without it (`/plugins/**` matches `/plugins`). `!` and `#` have no special meaning.
 * - Flat globs (users, query values, body strings, images, security options) treat the subject
 *   as one string: `*` matches any characters, `/` included; `?` one character; `[...]` a class;
 *   `{a,b}` alternatives (minimatch's brace expansion); `\` escapes the next character.
 * Literal patterns compile to string equality.
 */
import { Minimatch, braceExpand, escape } from 'minimatch'

export type Matcher = (subject: string) => boolean

const PATH_OPTIONS = { dot: true, nonegate: true, nocomment: true } as const

export class GlobError extends Error {}

export function compilePathGlob(glob: string): Matcher {
  if (!glob.startsWith('/')) throw new GlobError(`a path glob must start with "/"`)
  const one = compileOnePathGlob(glob)
  if (glob.length > 3 && glob.endsWith('/**')) {
    const base = compileOnePathGlob(glob.slice(0, -3))
    return (s) => one(s) || base(s)
  }
  return one
}

function compileOnePathGlob(glob: string): Matcher {
  const mm = new Minimatch(glob, PATH_OPTIONS)
  if (!mm.hasMagic() && !/[{\\]/.test(glob)) return (s) => s === glob
  if (mm.empty || mm.set.length === 0) throw new GlobError('the glob matches nothing')
  return (s) => mm.match(s)
}

/** A literal path as a path glob that matches exactly it (`{`, `*`, `@(` … escaped). */
export function escapeGlob(literal: string): string {
  // minimatch's escape leaves braces, which it would still expand.
  return escape(literal).replace(/[{}]/g, '\\$&')
}

/** The literal first segment of a path glob (`/containers/*` → `containers`), or undefined if it is magic. */
export function literalFirstSegment(glob: string): string | undefined {
  const first = glob.split('/')[1] ?? ''
  if (first === '' || /[*?[\]{}()!+@\\]/.test(first)) return undefined
  return first
}

export function compileFlatGlob(glob: string, options: { nocase?: boolean } = {}): Matcher {
  const alternatives = braceExpand(glob)
  const flags = options.nocase ? 'iu' : 'u'
  if (alternatives.every((a) => !/[*?[\\]/.test(a))) {
    if (options.nocase) {
      const set = new Set(alternatives.map((a) => a.toLowerCase()))
      return (s) => set.has(s.toLowerCase())
    }
    const set = new Set(alternatives)
    return set.size === 1 ? (s) => s === alternatives[0] : (s) => set.has(s)
  }
  const source = `^(?:${alternatives.map(flatGlobToRegExp).join('|')})$`
  let re: RegExp
  try {
    re = new RegExp(source, flags)
  } catch {
    throw new GlobError('the glob has an invalid character class')
  }
  return (s) => re.test(s)
}

function flatGlobToRegExp(glob: string): string {
  let out = ''
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string
    if (c === '\\') {
      const next = glob[i + 1]
      if (next === undefined) throw new GlobError('the glob ends with a lone "\\"')
      out += escapeRegExp(next)
      i++
    } else if (c === '*') {
      out += '.*'
      while (glob[i + 1] === '*') i++
    } else if (c === '?') {
      out += '.'
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 2)
      if (close < 0) throw new GlobError('the glob has a "[" without a closing "]"')
      let body = glob.slice(i + 1, close)
      const negate = body.startsWith('!') || body.startsWith('^')
      if (negate) body = body.slice(1)
      out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`
      i = close
    } else {
      out += escapeRegExp(c)
    }
  }
  return out
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}
