/**
 * A policy directory on disk → the files of one set (policy-language.md §1), in set order, and
 * the test suites beside them. Reading is separate from compiling so the store can hash what it
 * read and the CLI can report unreadable files like any other error.
 */
import { createHash } from 'node:crypto'
import { readdir, readFile, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import { compileSources, sortErrors } from '../policy/index.js'
import type { CompileResult, PolicyError, PolicySourceFile } from '../policy/index.js'

export interface PolicyDirContents {
  /** Policy files in set order; `name` is the directory as given joined with the relative path. */
  policies: PolicySourceFile[]
  /** `*.test.yaml` / `*.test.yml` suites, same naming. */
  tests: PolicySourceFile[]
  /** Files or directories that could not be read. */
  errors: PolicyError[]
  /** Hash of the policy files' relative paths and contents. */
  revision: string
}

const POLICY = /\.ya?ml$/
const TEST = /\.test\.ya?ml$/

export async function readPolicyDir(dir: string): Promise<PolicyDirContents> {
  const errors: PolicyError[] = []
  const found: Array<{ rel: string; abs: string }> = []
  const seenDirs = new Set<string>()

  const walk = async (abs: string, rel: string): Promise<void> => {
    let real: string
    try {
      real = await realpath(abs)
    } catch (e) {
      if (rel === '' && (e as NodeJS.ErrnoException).code === 'ENOENT') {
        errors.push({ code: 'E_POLICY_UNREADABLE', file: dir, line: 1, column: 1, message: `the policy directory ${dir} does not exist; give another with --policies DIR (or PORTCULLIS_POLICIES)` })
      } else {
        errors.push(unreadable(rel === '' ? dir : path.join(dir, rel), e))
      }
      return
    }
    if (seenDirs.has(real)) return // a symlink loop, or a directory reached twice
    seenDirs.add(real)
    let entries: string[]
    try {
      entries = await readdir(abs)
    } catch (e) {
      errors.push(unreadable(rel === '' ? dir : path.join(dir, rel), e))
      return
    }
    for (const name of entries) {
      if (name.startsWith('.')) continue // editor swap files, ConfigMap ..data and timestamped dirs
      const childAbs = path.join(abs, name)
      const childRel = rel === '' ? name : `${rel}/${name}`
      let s
      try {
        s = await stat(childAbs) // follows symlinks: ConfigMap files point through ..data
      } catch (e) {
        if (POLICY.test(name)) errors.push(unreadable(path.join(dir, childRel), e))
        continue
      }
      if (s.isDirectory()) await walk(childAbs, childRel)
      else if (s.isFile() && POLICY.test(name)) found.push({ rel: childRel, abs: childAbs })
    }
  }
  await walk(dir, '')

  found.sort((a, b) => Buffer.compare(Buffer.from(a.rel), Buffer.from(b.rel)))
  const policies: PolicySourceFile[] = []
  const tests: PolicySourceFile[] = []
  const hash = createHash('sha256')
  for (const f of found) {
    const name = path.join(dir, f.rel)
    let text: string
    try {
      text = await readFile(f.abs, 'utf8')
    } catch (e) {
      errors.push(unreadable(name, e))
      continue
    }
    if (TEST.test(f.rel)) {
      tests.push({ name, text })
    } else {
      policies.push({ name, text })
      hash.update(f.rel).update('\0').update(text).update('\0')
    }
  }
  if (errors.length === 0 && policies.length === 0) {
    errors.push({ code: 'E_POLICY_NO_FILES', file: dir, line: 1, column: 1, message: `no policy files (*.yaml, *.yml) in ${dir}; an empty set would deny everything, /_ping included` })
  }
  return { policies, tests, errors, revision: hash.digest('hex').slice(0, 12) }
}

/** Read and compile a directory: the set, or every error of every file. */
export async function loadPolicyDir(dir: string): Promise<CompileResult & { contents: PolicyDirContents }> {
  return compilePolicyDir(dir, await readPolicyDir(dir))
}

/** Compile what readPolicyDir read; `{policies}` globs become the directory's real path. */
export async function compilePolicyDir(dir: string, contents: PolicyDirContents): Promise<CompileResult & { contents: PolicyDirContents }> {
  const policyDir = await realpath(dir).catch(() => path.resolve(dir))
  const compiled = compileSources(contents.policies, contents.revision, { policyDir })
  if (contents.errors.length > 0) {
    const errors = [...contents.errors, ...(compiled.ok ? [] : compiled.errors)]
    return { ok: false, errors: sortErrors(errors), contents }
  }
  return { ...compiled, contents }
}

function unreadable(name: string, e: unknown): PolicyError {
  const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message
  return { code: 'E_POLICY_UNREADABLE', file: name, line: 1, column: 1, message: `cannot read ${name}: ${reason}` }
}
