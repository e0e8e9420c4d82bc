/** The known word nearest to `word` (case-insensitive edit distance ≤ 2, or a prefix), if any. */
export function closest(word: string, known: readonly string[]): string | undefined {
  const w = word.toLowerCase()
  let best: string | undefined
  let bestDistance = Infinity
  for (const k of known) {
    const d = distance(w, k.toLowerCase())
    if (d < bestDistance) {
      best = k
      bestDistance = d
    }
  }
  if (best === undefined) return undefined
  const b = best.toLowerCase()
  return bestDistance <= Math.min(2, Math.max(1, Math.floor(w.length / 3))) || (w.length >= 3 && b.startsWith(w)) ? best : undefined
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const row = [i]
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      row.push(Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost))
    }
    prev = row
  }
  return prev[b.length] as number
}
