/**
 * Body condition keys → segments for the body reader (policy-language.md §5).
 *
 * Go decodes struct fields case-insensitively but map keys exactly, so the reader must know where
 * a map begins. After a map-typed field the rest of the key is one map key, dots included:
 * `Labels.com.example.owner` → ["Labels", "com.example.owner"].
 */
import { goFoldKey } from '../../go/strings.js'

/** Map-typed fields of the Docker API (§5), by folded name: `LogConfig.Config` is one too. */
const MAP_FIELDS = new Set(['labels', 'driveropts', 'options', 'sysctls', 'storageopt', 'tmpfs', 'annotations'])

/** Whether `segment`, inside the field `previous`, names a map-typed field (keys exact from here on). */
export function isMapField(previous: string | undefined, segment: string | undefined): boolean {
  if (segment === undefined) return false
  const s = goFoldKey(segment)
  return MAP_FIELDS.has(s) || (s === 'config' && previous !== undefined && goFoldKey(previous) === 'logconfig')
}

/** undefined when the key has an empty segment. */
export function bodySegments(key: string): string[] | undefined {
  const parts = key.split('.')
  const out: string[] = []
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string
    if (part === '') return undefined
    out.push(part)
    if (isMapField(parts[i - 1], part) && i + 1 < parts.length) {
      const rest = parts.slice(i + 1).join('.')
      if (rest.split('.').some((p) => p === '')) return undefined
      out.push(rest)
      break
    }
  }
  return out
}
