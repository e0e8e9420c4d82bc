import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { absoluteHostPath, hostPathCandidates, kernelHostPaths } from '../../../src/dockerd/readers/index.js'
import { cleanPath } from '../../../src/go/path.js'

// Go's src/path/path_test.go cleantests.
const cleantests: Array<[string, string]> = [
  // Already clean
  ['', '.'], ['abc', 'abc'], ['abc/def', 'abc/def'], ['a/b/c', 'a/b/c'], ['.', '.'], ['..', '..'],
  ['../..', '../..'], ['../../abc', '../../abc'], ['/abc', '/abc'], ['/', '/'],
  // Remove trailing slash
  ['abc/', 'abc'], ['abc/def/', 'abc/def'], ['a/b/c/', 'a/b/c'], ['./', '.'], ['../', '..'],
  ['../../', '../..'], ['/abc/', '/abc'],
  // Remove doubled slash
  ['abc//def//ghi', 'abc/def/ghi'], ['//abc', '/abc'], ['///abc', '/abc'], ['//abc//', '/abc'], ['abc//', 'abc'],
  // Remove . elements
  ['abc/./def', 'abc/def'], ['/./abc/def', '/abc/def'], ['abc/.', 'abc'],
  // Remove .. elements
  ['abc/def/ghi/../jkl', 'abc/def/jkl'], ['abc/def/../ghi/../jkl', 'abc/jkl'], ['abc/def/..', 'abc'],
  ['abc/def/../..', '.'], ['/abc/def/../..', '/'], ['abc/def/../../..', '..'], ['/abc/def/../../..', '/'],
  ['abc/def/../../../ghi/jkl/../../../mno', '../../mno'],
  // Combinations
  ['abc/./../def', 'def'], ['abc//./../def', 'def'], ['abc/../../././../def', '../../def'],
]

describe('cleanPath: Go path.Clean', () => {
  for (const [path, want] of cleantests) {
    it(`Clean(${JSON.stringify(path)}) = ${JSON.stringify(want)}`, () => {
      assert.equal(cleanPath(path), want)
      assert.equal(cleanPath(want), want)
    })
  }
  const spellings: Array<[string, string]> = [
    ['//', '/'], ['/etc/..', '/'], ['/./', '/'], ['/etc/', '/etc'], ['/var//run/./docker.sock', '/var/run/docker.sock'],
    ['/..', '/'], ['/../etc', '/etc'], ['/etc/../../..', '/'], ['/a\\b', '/a\\b'], ['/...', '/...'],
  ]
  for (const [path, want] of spellings) {
    it(`host spelling ${JSON.stringify(path)} is ${want}`, () => assert.equal(cleanPath(path), want))
  }
})

describe('absoluteHostPath and kernelHostPaths', () => {
  const rows: Array<{ name: string; path: string; abs: string; kernel: string[] }> = [
    { name: 'absolute', path: '/etc', abs: '/etc', kernel: ['/etc'] },
    { name: 'relative is against /', path: 'etc', abs: '/etc', kernel: ['/etc'] },
    { name: 'doubled slashes and dots', path: '//etc/./x/', abs: '/etc/x', kernel: ['/etc/x'] },
    { name: '.. kept for the kernel', path: '//data/l/../', abs: '/data', kernel: ['/data', '/data/l/..'] },
  ]
  for (const row of rows) {
    it(row.name, () => {
      assert.equal(absoluteHostPath(row.path), row.abs)
      assert.deepEqual(kernelHostPaths(row.path), row.kernel)
    })
  }
})

describe('hostPathCandidates', () => {
  const fake: Record<string, string> = {
    '/': '/',
    '/tmp': '/tmp',
    '/tmp/link': '/',
    '/data': '/data',
    '/data/l': '/etc/x',
    '/data/l/..': '/etc',
    '/home': '/home',
  }
  const realpath = (p: string): string | undefined => fake[p]
  const rows: Array<{ name: string; path: string; want: string[] }> = [
    { name: 'symlink to /', path: '/tmp/link', want: ['/tmp/link', '/'] },
    { name: 'below a symlink, not existing', path: '/tmp/link/etc/shadow', want: ['/tmp/link/etc/shadow', '/etc/shadow'] },
    { name: 'uncleaned spelling of a symlink', path: '/tmp//link/./', want: ['/tmp/link', '/'] },
    { name: 'existing plain path', path: '/home', want: ['/home'] },
    { name: 'nothing but / exists', path: '/nope/x', want: ['/nope/x'] },
    { name: '.. after a symlink resolves physically', path: '/data/l/..', want: ['/data', '/etc'] },
    { name: 'relative path against /', path: 'tmp/link', want: ['/tmp/link', '/'] },
  ]
  for (const row of rows) {
    it(row.name, () => assert.deepEqual(hostPathCandidates(row.path, realpath), row.want))
  }
  it('without any existing prefix only the cleaned path', () => {
    assert.deepEqual(hostPathCandidates('/a/../b', () => undefined), ['/b'])
  })

  it('resolves a real symlink made in a temporary directory', () => {
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'portcullis-paths-')))
    try {
      symlinkSync('/', join(dir, 'root'))
      mkdirSync(join(dir, 'sub'))
      symlinkSync('/etc', join(dir, 'sub', 'etc'))
      const real = (p: string): string | undefined => {
        try {
          return realpathSync.native(p)
        } catch {
          return undefined
        }
      }
      assert.deepEqual(hostPathCandidates(join(dir, 'root'), real), [join(dir, 'root'), '/'])
      assert.deepEqual(hostPathCandidates(`${dir}//root/./etc/`, real), [join(dir, 'root', 'etc'), realpathSync('/etc')])
      assert.deepEqual(hostPathCandidates(join(dir, 'root', 'no-such-dir', 'x'), real), [join(dir, 'root', 'no-such-dir', 'x'), '/no-such-dir/x'])
      assert.deepEqual(hostPathCandidates(`${dir}/sub/etc/..`, real), [join(dir, 'sub'), '/'])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
