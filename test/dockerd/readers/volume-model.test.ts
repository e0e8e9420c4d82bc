/**
 * The `local` volume model is default-deny (docs/local-volumes.md): random option sets never read
 * as "mounts nothing of the host" unless they are one of the few shapes known to be harmless, and
 * every reading that is not a bind is the host itself.
 */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import fc from 'fast-check'
import { GoMap } from '../../../src/dockerd/json/go-view.js'
import { localHostMounts } from '../../../src/dockerd/readers/index.js'

/** The harmless shapes, written out independently of the reader. */
const TMPFS_OK = /^(ro|rw|nosuid|suid|nodev|dev|noexec|exec|sync|async|dirsync|atime|noatime|diratime|nodiratime|relatime|norelatime|strictatime|nostrictatime|mand|nomand|defaults|inode32|inode64|noswap|(size|nr_blocks|nr_inodes|mode|uid|gid|huge)(=.*)?)$/s
const RAMFS_OK = /^(ro|rw|nosuid|suid|nodev|dev|noexec|exec|sync|async|dirsync|atime|noatime|diratime|nodiratime|relatime|norelatime|strictatime|nostrictatime|mand|nomand|defaults|mode(=.*)?)$/s

function harmless(opts: Map<string, string>): boolean {
  if (opts.size === 0) return true
  if ([...opts.keys()].some((k) => !['type', 'device', 'o', 'size'].includes(k))) return false
  const type = opts.get('type') ?? ''
  const device = opts.get('device') ?? ''
  const o = opts.get('o') ?? ''
  if (type === '' && device === '') return true
  if (o.length > 4095) return false
  const entries = o === '' ? [] : o.split(',')
  if (entries.includes('bind') || entries.includes('rbind') || type === 'none') {
    return device === '' && !entries.some((e) => /^(remount|r?shared|r?private|r?slave|r?unbindable)$/.test(e))
  }
  if (type === 'tmpfs') return entries.every((e) => TMPFS_OK.test(e))
  if (type === 'ramfs') return entries.every((e) => RAMFS_OK.test(e))
  return false
}

const isBind = (opts: Map<string, string>): boolean =>
  (opts.get('o') ?? '').split(',').some((e) => e === 'bind' || e === 'rbind') || opts.get('type') === 'none'

const type = fc.oneof(
  fc.constantFrom('', 'tmpfs', 'ramfs', 'none', 'proc', 'sysfs', 'ext4', 'xfs', 'overlay', 'nfs', 'nfs4', 'cifs', 'binfmt_misc', 'TMPFS', 'tmpfs ', 'bind'),
  fc.string({ maxLength: 8 }),
)
const device = fc.oneof(
  fc.constantFrom('', 'tmpfs', 'proc', '/', '/mnt', '/dev/sda1', '/tmp/x/disk', 'etc', '../dev/sda', ':/export', '//server/share', '/data/../etc'),
  fc.string({ maxLength: 12 }),
)
const entry = fc.oneof(
  fc.constantFrom('bind', 'rbind', 'BIND', 'ro', 'rw', 'nosuid', 'nodev', 'remount', 'shared', 'rshared', 'private', 'move', 'size=1m', 'size', 'mode=1777',
    'nr_inodes=9', 'uid=0', 'huge=always', 'mpol=bind:0', 'inode64', 'lowerdir=/etc', 'lowerdir+=/etc', 'upperdir=/u', 'workdir=/w', 'addr=127.0.0.1',
    'source=/', ' size=1m', 'size =1m', '', 'x-foo', 'defaults', 'noexec'),
  fc.string({ maxLength: 10 }),
)
const o = fc.oneof(fc.constant(''), fc.array(entry, { minLength: 1, maxLength: 6 }).map((es) => es.join(',')))
const key = fc.oneof(fc.constantFrom('type', 'device', 'o'), fc.constantFrom('Type', 'O', 'Device', 'size', 'source', 'mountpoint', ''), fc.string({ maxLength: 6 }))

const options = fc.record({
  type: fc.option(type, { nil: undefined }),
  device: fc.option(device, { nil: undefined }),
  o: fc.option(o, { nil: undefined }),
  extra: fc.array(fc.tuple(key, fc.string({ maxLength: 6 })), { maxLength: 2 }),
}).map((r) => {
  const m = new Map<string, string>()
  for (const k of ['type', 'device', 'o'] as const) if (r[k] !== undefined) m.set(k, r[k] as string)
  for (const [k, v] of r.extra) m.set(k, v)
  return m
})

function goMap(opts: Map<string, string>): GoMap {
  const m = new GoMap()
  for (const [k, v] of opts) m.entries.set(k, v)
  return m
}

test('local volume model – an option set reads as "no host mount" only when it is a harmless shape', () => {
  fc.assert(fc.property(options, (opts) => {
    const mounts = localHostMounts(goMap(opts))
    if (mounts.length === 0) assert.ok(harmless(opts), `read as harmless: ${JSON.stringify([...opts])}`)
    else assert.ok(!harmless(opts), `a harmless shape read as a mount: ${JSON.stringify([...opts])}`)
  }), { numRuns: 5000 })
})

test('local volume model – everything that is not a bind is the host itself', () => {
  fc.assert(fc.property(options, (opts) => {
    const mounts = localHostMounts(goMap(opts))
    if (mounts.length > 0 && !(isBind(opts) && [...opts.keys()].every((k) => ['type', 'device', 'o', 'size'].includes(k)))) {
      assert.deepEqual(mounts, ['/'], JSON.stringify([...opts]))
    }
  }), { numRuns: 5000 })
})

test('local volume model – a bind is of its device, and of the host when the device is relative', () => {
  fc.assert(fc.property(device, fc.constantFrom('bind', 'rbind', 'ro,bind', 'bind,nosuid'), (dev, flags) => {
    const mounts = localHostMounts(goMap(new Map([['type', 'none'], ['o', flags], ['device', dev]])))
    if (dev === '') assert.deepEqual(mounts, [])
    else if (!dev.startsWith('/')) assert.deepEqual(mounts, ['/'])
    else assert.ok(mounts.length > 0 && mounts.every((m) => m.startsWith('/')), JSON.stringify(mounts))
  }), { numRuns: 1000 })
})
