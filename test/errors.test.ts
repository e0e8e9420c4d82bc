/** docs/errors.md is the table of ERROR_CODES (policy and protocol): a missing or stale row fails. */
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { test } from 'node:test'
import { ERROR_CODES } from '../src/errors.js'
import { repoPath } from './helpers/paths.js'

function render(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, [meaning, fix]]) => `| \`${code}\` | ${meaning} | ${fix} |`)
  return `# Error codes\n\nEvery policy diagnostic carries one of the \`E_POLICY_\`/\`E_TEST_\` codes (\`check --json\` prints it as \`code\`);\nevery HTTP 500 Portcullis answers dockerd with starts its \`Err\` with one of the others.\n\n| Code | Meaning | How to fix |\n|---|---|---|\n${rows.join('\n')}\n`
}

test('error codes – docs/errors.md lists every code with its meaning and fix', () => {
  if (process.env.UPDATE_GOLDEN === '1') writeFileSync(repoPath('docs/errors.md'), render())
  assert.equal(readFileSync(repoPath('docs/errors.md'), 'utf8'), render())
})
