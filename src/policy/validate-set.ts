/** Checks across the files of one set: unique ids, groups defined once and used only if defined, one settings. */
import type { CheckedFile } from './checked.js'
import type { PolicyError } from './errors.js'

export function validateSet(files: CheckedFile[]): PolicyError[] {
  const errors: PolicyError[] = []
  const where = (s: { file: string; line: number; column: number }): string => `${s.file}:${s.line}:${s.column}`

  const ids = new Map<string, { file: string; line: number; column: number }>()
  const groups = new Map<string, { file: string; line: number; column: number }>()
  let settings: { file: string; line: number; column: number } | undefined
  for (const file of files) {
    if (file.settings) {
      if (settings) {
        errors.push({ code: 'E_POLICY_SETTINGS_REPEATED', ...file.settings.source, message: `a second \`settings\`: the set already has settings at ${where(settings)}; keep settings in one file` })
      } else {
        settings = file.settings.source
      }
    }
    for (const g of file.groupNames) {
      const first = groups.get(g.name)
      if (first) errors.push({ code: 'E_POLICY_GROUP_REDEFINED', ...g.source, message: `group "${g.name}" is defined twice: also defined at ${where(first)}; define each group in one file` })
      else groups.set(g.name, g.source)
    }
    for (const r of file.ruleIds) {
      const first = ids.get(r.id)
      if (first) errors.push({ code: 'E_POLICY_DUPLICATE_ID', ...r.source, message: `duplicate rule id "${r.id}": also defined at ${where(first)}; rule ids are unique across the set` })
      else ids.set(r.id, r.source)
    }
  }
  for (const file of files) {
    for (const ref of file.groupReferences) {
      if (!groups.has(ref.name)) {
        const known = [...groups.keys()]
        errors.push({ code: 'E_POLICY_GROUP_UNDEFINED', ...ref.source, message: `group "${ref.name}" is used but never defined${known.length ? ` (defined groups: ${known.join(', ')})` : ''}; define it under \`groups:\`` })
      }
    }
  }
  return errors
}
