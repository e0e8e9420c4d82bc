/** `portcullis check [--policies DIR] [--json]`: validate the set, print every error. */
import { errorToJson, formatError, policyWarnings } from '../../policy/index.js'
import { parseTestSuite } from '../../policy-tests/suite.js'
import { loadPolicyDir } from '../../store/load.js'
import { EXIT, parseFlags, policiesDir } from '../args.js'
import type { CliIO } from '../io.js'
import { json, paint, printErrors } from '../output.js'

export const CHECK_USAGE = 'usage: portcullis check [--policies DIR] [--json]'

export async function runCheck(args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(args, { policies: { type: 'string' }, json: { type: 'boolean' } })
  const dir = policiesDir(values.policies, io)
  const loaded = await loadPolicyDir(dir)
  if (!loaded.ok) {
    if (values.json) json(io, loaded.errors.map(errorToJson))
    else printErrors(io, loaded.errors)
    return EXIT.invalidPolicies
  }
  for (const w of policyWarnings(loaded.set)) io.stderr(`${paint(io, 'yellow', 'warning')}: ${w}\n`)
  // Test suites are not policies, so their problems are warnings here (`portcullis test` fails on them).
  for (const file of loaded.contents.tests) {
    for (const e of parseTestSuite(file).errors) io.stderr(`${paint(io, 'yellow', 'warning')}: ${formatError(e)}\n`)
  }
  if (values.json) json(io, [])
  else {
    const s = loaded.set
    io.stdout(`${paint(io, 'green', 'valid')}: ${s.files.length} file${s.files.length === 1 ? '' : 's'}, ${s.rules.length} rule${s.rules.length === 1 ? '' : 's'}, revision ${s.revision}\n`)
  }
  return EXIT.ok
}
