/** The whole pipeline for one policy set: parse → validate → validate across files → compile. */
import { compilePolicySet } from './compile.js'
import type { CompiledPolicySet } from './compile.js'
import { sortErrors } from './errors.js'
import type { PolicyError } from './errors.js'
import { isSyntaxError, parseYaml } from './parse-yaml.js'
import type { PolicySourceFile } from './types.js'
import { validateFile } from './validate.js'
import type { ValidateOptions } from './validate.js'
import { validateSet } from './validate-set.js'
import type { CheckedFile } from './checked.js'

export type CompileResult = { ok: true; set: CompiledPolicySet } | { ok: false; errors: PolicyError[] }

/** Files must be given in set order (byte order of their path in the directory). */
export function compileSources(files: PolicySourceFile[], revision: string, options: ValidateOptions = {}): CompileResult {
  const errors: PolicyError[] = []
  const checked: CheckedFile[] = []
  for (const f of files) {
    const parsed = parseYaml(f.text)
    if (isSyntaxError(parsed)) {
      errors.push({ code: 'E_POLICY_YAML_SYNTAX', file: f.name, line: parsed.line, column: parsed.column, message: `YAML syntax error: ${parsed.message}` })
      continue
    }
    if ('documents' in parsed) {
      errors.push({ code: 'E_POLICY_DOCUMENTS', file: f.name, line: 1, column: 1, message: `the file holds ${parsed.documents} YAML documents; a policy file holds one (split it into several files)` })
      continue
    }
    const v = validateFile(f.name, parsed, options)
    errors.push(...v.errors)
    checked.push(v.file)
  }
  errors.push(...validateSet(checked))
  if (errors.length > 0) return { ok: false, errors: sortErrors(errors) }
  return { ok: true, set: compilePolicySet(checked, revision, files, options) }
}
