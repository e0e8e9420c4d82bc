/**
 * Policy diagnostics: typed, positioned, collected all at once and formatted separately.
 * Every code is listed in ERROR_CODES with what it means and how to fix it (docs/errors.md is
 * generated from the same table and a test keeps the two in sync).
 */

export const ERROR_CODES = {
  E_POLICY_YAML_SYNTAX: ['The file is not valid YAML.', 'Fix the YAML at the position shown (indentation, quotes, brackets).'],
  E_POLICY_UNREADABLE: ['The file or directory could not be read.', 'Check that it exists and that Portcullis may read it.'],
  E_POLICY_NO_FILES: ['The policy directory holds no policy files.', 'Add at least one *.yaml file with rules (an empty set would deny everything, /_ping included).'],
  E_POLICY_UNKNOWN_KEY: ['A key that the policy language does not know.', 'Remove it or correct its spelling (the message suggests the nearest known key).'],
  E_POLICY_TYPE: ['A value of the wrong type (e.g. a string where a list is expected).', 'Write the value in the form the message shows.'],
  E_POLICY_REQUIRED: ['A required key is missing.', 'Add the key named in the message.'],
  E_POLICY_BAD_VALUE: ['A value outside the allowed set (effect, phase, method, status, …).', 'Use one of the values listed in the message.'],
  E_POLICY_BAD_ID: ['A rule id with characters other than letters, digits, "_", "." and "-".', 'Rename the rule.'],
  E_POLICY_DUPLICATE_ID: ['Two rules share an id; ids are unique across the whole set.', 'Rename one of them (the message names the other one\'s position).'],
  E_POLICY_BAD_GLOB: ['A glob that cannot be compiled, or a path glob that does not start with "/".', 'Correct the pattern.'],
  E_POLICY_GROUP_REDEFINED: ['A group defined in two places.', 'Define each group in exactly one file.'],
  E_POLICY_GROUP_UNDEFINED: ['A rule names a group that no file defines.', 'Define the group under `groups:` or correct its name.'],
  E_POLICY_SETTINGS_REPEATED: ['More than one file has `settings:`.', 'Keep `settings:` in one file only.'],
  E_POLICY_NEVER_MATCHES: ['A rule that can never apply to any request.', 'Remove the contradiction the message describes.'],
  E_POLICY_STATUS_PHASE: ['`status` in a rule that is not `phase: response`.', 'Add `phase: response` or remove `status` (requests have no status yet).'],
  E_POLICY_DOCUMENTS: ['A policy file with more than one YAML document, or whose top level is not a mapping.', 'Keep one mapping with settings/groups/rules per file.'],
  E_TEST_INVALID: ['A policy test suite (*.test.yaml) that cannot be read as tests.', 'Fix the test at the position shown.'],
} as const satisfies Record<string, readonly [meaning: string, fix: string]>

export type PolicyErrorCode = keyof typeof ERROR_CODES

export interface PolicyError {
  code: PolicyErrorCode
  /** Display name: the policy directory as given joined with the file's path inside it. */
  file: string
  /** 1-based. */
  line: number
  /** 1-based. */
  column: number
  message: string
}

export function sortErrors(errors: PolicyError[]): PolicyError[] {
  return errors.sort((a, b) =>
    a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.column - b.column || (a.message < b.message ? -1 : a.message > b.message ? 1 : 0))
}

/** `FILE:LINE:COL: message` */
export function formatError(e: PolicyError): string {
  return `${e.file}:${e.line}:${e.column}: ${e.message}`
}

/** The `--json` shape of one error. */
export function errorToJson(e: PolicyError): { file: string; line: number; column: number; message: string; code: string } {
  return { file: e.file, line: e.line, column: e.column, message: e.message, code: e.code }
}
