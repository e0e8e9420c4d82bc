/** docs/errors.md is the table of ERROR_CODES: a missing or stale row fails. */
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { test } from 'node:test'
import { ERROR_CODES } from '../../src/policy/index.js'
import { repoPath } from '../helpers/paths.js'

function render(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, [meaning, fix]]) => `| \`${code}\` | ${meaning} | ${fix} |`)
  return `# Policy error codes\n\nEvery policy diagnostic carries one of these codes (\`check --json\` prints it as \`code\`).\n\n| Code | Meaning | How to fix |\n|---|---|---|\n${rows.join('\n')}\n`
}

test('error codes – docs/errors.md lists every code with its meaning and fix', () => {
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(repoPath('docs/errors.md'), render())
  assert.equal(readFileSync(repoPath('docs/errors.md'), 'utf8'), render())
})
