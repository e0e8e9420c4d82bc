/**
 * The decision tables in test/cases/*.yaml: inline policies, requests and expected decisions,
 * run through the same test-suite reader and evaluate() that `portcullis test` uses.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { dump, loadAll } from 'js-yaml'
import { compileSources, formatError } from '../../src/policy/index.js'
import { parseTestSuite, runTest } from '../../src/policy-tests/suite.js'
import { repoPath } from '../helpers/paths.js'

interface CaseDoc {
  description: string
  policies: Record<string, string>
  tests: unknown[]
}

let total = 0
for (const file of readdirSync(repoPath('test/cases')).filter((f) => f.endsWith('.yaml')).sort()) {
  const docs = loadAll(readFileSync(repoPath('test/cases', file), 'utf8')) as CaseDoc[]
  docs.forEach((doc, d) => {
    const sources = Object.entries(doc.policies).map(([name, text]) => ({ name, text }))
    const compiled = compileSources(sources, `${file}#${d}`, { policyDir: '/srv/policies' })
    const suite = parseTestSuite({ name: `${file}#${d}`, text: dump({ tests: doc.tests }) })
    total += suite.tests.length
    test(`decision table – ${file}: ${doc.description} – policies and cases are valid`, () => {
      assert.deepEqual(compiled.ok ? [] : compiled.errors.map(formatError), [])
      assert.deepEqual(suite.errors.map(formatError), [])
      assert.ok(suite.tests.length > 0)
    })
    if (!compiled.ok) return
    for (const t of suite.tests) {
      test(`decision table – ${file}: ${t.name}`, async () => {
        const r = await runTest(compiled.set, t, { hostAddresses: () => ['93.184.216.34', '2a00:1450:4001::10'] })
        assert.deepEqual(r.actual, { ...r.actual, ...r.expected }, `expected ${JSON.stringify(r.expected)}, got ${JSON.stringify(r.actual)}`)
        assert.equal(r.pass, true)
      })
    }
  })
}

test('decision table – holds at least 150 cases', () => {
  assert.ok(total >= 150, `only ${total} cases`)
})
