/** Go's `path` package (unchanged since Go 1.0 for Clean). */

/** Go's `path.Clean`: lexical, `//` and `.` dropped, `..` resolved, no trailing slash. */
export function cleanPath(path: string): string {
  if (path === '') return '.'
  const rooted = path[0] === '/'
  const n = path.length
  const out: string[] = []
  let r = 0
  let dotdot = 0
  if (rooted) {
    out.push('/')
    r = 1
    dotdot = 1
  }
  while (r < n) {
    if (path[r] === '/') {
      r++
    } else if (path[r] === '.' && (r + 1 === n || path[r + 1] === '/')) {
      r++
    } else if (path[r] === '.' && path[r + 1] === '.' && (r + 2 === n || path[r + 2] === '/')) {
      r += 2
      if (out.length > dotdot) {
        // Back up to (and including) the previous slash, as Go's lazybuf does.
        let w = out.length - 1
        while (w > dotdot && out[w] !== '/') w--
        out.length = w
      } else if (!rooted) {
        if (out.length > 0) out.push('/')
        out.push('.', '.')
        dotdot = out.length
      }
    } else {
      if ((rooted && out.length !== 1) || (!rooted && out.length !== 0)) out.push('/')
      for (; r < n && path[r] !== '/'; r++) out.push(path[r] as string)
    }
  }
  return out.length === 0 ? '.' : out.join('')
}
