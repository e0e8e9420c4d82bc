/**
 * The dependency direction of the layers (issue: three rooms):
 *   src/go       Go's behaviour, shared by dockerd's model and the discovery client: imports nothing else
 *   src/dockerd  how dockerd reads a request: imports only itself and src/go (no packages)
 *   src/policy   the language: imports only itself, src/dockerd, src/go, js-yaml and minimatch
 *   discovery and protocol know nothing of the engine, the server, the store or the CLI.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { test } from 'node:test'
import { repoPath } from './helpers/paths.js'

function sources(dir: string): string[] {
  return readdirSync(repoPath(dir), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => path.join(dir, f))
}

function imports(file: string): Array<{ spec: string; typeOnly: boolean }> {
  const text = readFileSync(repoPath(file), 'utf8')
  return [...text.matchAll(/^(import|export)( type)?[^'"]*?from\s+'([^']+)'/gm)].map((m) => ({ spec: m[3] as string, typeOnly: m[2] !== undefined }))
}

/** Where a relative import lands, relative to src/. */
function target(file: string, spec: string): string {
  return path.relative('src', path.join(path.dirname(file), spec))
}

/** Every import of `dir` that `allowed` refuses; and how many imports were read. */
function violations(dir: string, allowed: (t: { spec: string; target: string | undefined; typeOnly: boolean; file: string }) => boolean): { bad: string[]; seen: number } {
  const bad: string[] = []
  let seen = 0
  for (const file of sources(dir)) {
    for (const { spec, typeOnly } of imports(file)) {
      seen++
      const t = spec.startsWith('.') ? target(file, spec) : undefined
      if (!allowed({ spec, target: t, typeOnly, file })) bad.push(`${file}: ${spec}`)
    }
  }
  return { bad, seen }
}

const within = (t: string | undefined, ...dirs: string[]): boolean => t !== undefined && dirs.some((d) => t.startsWith(`${d}/`))

test('architecture – src/go imports nothing but itself', () => {
  const { bad, seen } = violations('src/go', ({ target: t }) => within(t, 'go'))
  assert.ok(seen > 2, `only ${seen} imports read`)
  assert.deepEqual(bad, [])
})

test('architecture – src/dockerd imports only itself and src/go (no packages, no policy)', () => {
  const { bad, seen } = violations('src/dockerd', ({ target: t }) => within(t, 'dockerd', 'go'))
  assert.ok(seen > 20, `only ${seen} imports read`)
  assert.deepEqual(bad, [])
})

test('architecture – the policy language imports only itself, src/dockerd, src/go, js-yaml and minimatch', () => {
  const { bad, seen } = violations('src/policy', ({ spec, target: t }) => spec === 'js-yaml' || spec === 'minimatch' || within(t, 'policy', 'dockerd', 'go'))
  assert.ok(seen > 50, `only ${seen} imports read`)
  assert.deepEqual(bad, [])
})

test('architecture – discovery and protocol know nothing of the engine, server, store or CLI', () => {
  for (const dir of ['src/discovery', 'src/protocol']) {
    const { bad } = violations(dir, ({ spec, target: t, typeOnly }) =>
      !spec.startsWith('.') || within(t, path.basename(dir), 'go') || (typeOnly && t === 'dockerd/request.js'))
    assert.deepEqual(bad, [], dir)
  }
})
