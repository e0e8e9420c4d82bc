/**
 * Golden diagnostics: each directory in test/fixtures/policies/invalid is an invalid policy set,
 * paired with expected.errors.txt holding the exact `FILE:LINE:COL: message` lines (the
 * directory written as DIR). UPDATE_GOLDEN=1 rewrites them; review the diff.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { formatError } from '../../src/policy/index.js'
import { loadPolicyDir } from '../../src/store/load.js'
import { repoPath } from '../helpers/paths.js'

const base = repoPath('test/fixtures/policies/invalid')

for (const name of readdirSync(base, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()) {
  test(`golden errors – ${name}`, async () => {
    const dir = path.join(base, name)
    const loaded = await loadPolicyDir(dir)
    assert.equal(loaded.ok, false, 'the set must be invalid')
    if (loaded.ok) return
    const actual = loaded.errors.map((e) => formatError(e).replaceAll(dir, 'DIR')).join('\n') + '\n'
    const goldenFile = path.join(base, `${name}.errors.txt`)
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(goldenFile, actual)
    assert.equal(actual, readFileSync(goldenFile, 'utf8'))
  })
}
