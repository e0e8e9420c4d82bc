/** `portcullis test [--policies DIR] [--json]`: run every *.test.yaml. Exit 0 all pass, 1 failures, 3 invalid policies. */
import { hostEnv, resolveNames } from '../../host-env.js'
import { formatError } from '../../policy/index.js'
import { loadPolicyDir } from '../../store/load.js'
import { parseTestSuite, runTest } from '../../policy-tests/suite.js'
import type { TestResult } from '../../policy-tests/suite.js'
import { EXIT, parseFlags, policiesDir } from '../args.js'
import type { CliIO } from '../io.js'
import { json, paint, printErrors } from '../output.js'

export const TEST_USAGE = 'usage: portcullis test [--policies DIR] [--json]'

export async function runTests(args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(args, { policies: { type: 'string' }, json: { type: 'boolean' } })
  const loaded = await loadPolicyDir(policiesDir(values.policies, io))
  if (!loaded.ok) {
    printErrors(io, loaded.errors)
    return EXIT.invalidPolicies
  }
  // A test that cannot be read is a failed test: it is listed with its error, never dropped.
  const results: Array<TestResult | { file: string; name: string; pass: false; error: string }> = []
  for (const file of loaded.contents.tests) {
    const suite = parseTestSuite(file)
    for (const e of suite.errors) {
      io.stderr(`${formatError(e)}\n`)
      results.push({ file: e.file, name: `(invalid test at line ${e.line})`, pass: false, error: e.message })
    }
    for (const t of suite.tests) results.push(await runTest(loaded.set, t, hostEnv, resolveNames))
  }
  const failed = results.filter((r) => !r.pass).length
  if (values.json) {
    json(io, { passed: results.length - failed, failed, tests: results })
  } else {
    for (const r of results) {
      io.stdout(`${r.pass ? paint(io, 'green', 'PASS') : paint(io, 'red', 'FAIL')} ${r.file}: ${r.name}\n`)
      if ('error' in r) io.stdout(`     ${r.error}\n`)
      else if (!r.pass) io.stdout(`     expected ${JSON.stringify(r.expected)}\n     actual   ${JSON.stringify(r.actual)}\n`)
    }
    if (loaded.contents.tests.length === 0) io.stdout('no test suites (*.test.yaml) found\n')
    io.stdout(`${results.length - failed} passed, ${failed} failed\n`)
  }
  return failed > 0 ? EXIT.failed : EXIT.ok
}
