/**
 * The dependency direction of the layers: the policy engine imports only its own files, js-yaml
 * and minimatch (no files, sockets, HTTP or logs); the discovery core and the protocol module know
 * nothing of the engine, the server or the store.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { repoPath } from './helpers/paths.js'

function sources(dir: string): string[] {
  return readdirSync(repoPath(dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f))
}

function imports(file: string): string[] {
  const text = readFileSync(repoPath(file), 'utf8')
  return [...text.matchAll(/^(?:import|export)[^'"]*?from\s+'([^']+)'/gm)].map((m) => m[1] as string)
}

/** Where a relative import lands, relative to src/. */
function target(file: string, spec: string): string {
  return path.relative('src', path.join(path.dirname(file), spec))
}

test('architecture – the policy engine imports only itself, js-yaml and minimatch', () => {
  const bad: string[] = []
  let seen = 0
  for (const file of sources('src/policy')) {
    for (const spec of imports(file)) {
      seen++
      const ok = spec === 'js-yaml' || spec === 'minimatch' || (spec.startsWith('.') && target(file, spec).startsWith('policy/'))
      if (!ok) bad.push(`${file}: ${spec}`)
    }
  }
  assert.ok(seen > 50, `only ${seen} imports read`)
  assert.deepEqual(bad, [])
})

test('architecture – discovery and protocol know nothing of the engine, server, store or CLI', () => {
  const bad: string[] = []
  for (const dir of ['src/discovery', 'src/protocol']) {
    for (const file of sources(dir)) {
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) continue
        const t = target(file, spec)
        // protocol/to-request-input.ts names the engine's input type (a type-only import).
        const typeOnly = file.endsWith('to-request-input.ts') && t === 'policy/index.js'
        if (!(t.startsWith(`${path.basename(dir)}/`) || typeOnly)) bad.push(`${file}: ${spec}`)
      }
    }
  }
  assert.deepEqual(bad, [])
})
