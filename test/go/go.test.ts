/** src/go: the Go functions dockerd's model and the discovery client share. */
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { cleanPath } from '../../src/go/path.js'
import { parseQuery } from '../../src/go/query.js'
import { goFoldEqual, goToUpper } from '../../src/go/strings.js'
import { goQuote } from '../../src/go/text.js'
import { GoURLError, parseGoURL, percentDecodeBytes } from '../../src/go/url.js'

test('go/url – url.Parse: scheme lower-cased, host and port, opaque, IPv6 brackets, errors with Go\'s text', () => {
  assert.deepEqual(pick(parseGoURL('TCP://127.0.0.1:2375/x?y#z')), { scheme: 'tcp', host: '127.0.0.1:2375', path: '/x', rawQuery: 'y', fragment: 'z', opaque: '' })
  assert.deepEqual(pick(parseGoURL('unix:///run/x.sock')), { scheme: 'unix', host: '', path: '/run/x.sock', rawQuery: '', fragment: '', opaque: '' })
  assert.deepEqual(pick(parseGoURL('localhost:8080')), { scheme: 'localhost', host: '', path: '', rawQuery: '', fragment: '', opaque: '8080' })
  assert.equal(parseGoURL('http://[::1]:80/').host, '[::1]:80')
  assert.throws(() => parseGoURL('http://[127.0.0.1]/'), (e: unknown) => e instanceof GoURLError && /invalid IP-literal/.test(e.message))
  assert.throws(() => parseGoURL('http://a b/'), (e: unknown) => e instanceof GoURLError && e.message === `parse "http://a b/": invalid character " " in host name`)
})

test('go/url – unescape decodes %XX byte-wise and refuses a bad escape', () => {
  assert.deepEqual([...percentDecodeBytes('%63%2Fx') ?? []], [0x63, 0x2f, 0x78])
  assert.equal(percentDecodeBytes('%6'), undefined)
  assert.equal(percentDecodeBytes('%zz'), undefined)
})

test('go/query – ParseQuery: + is a space, repeated keys kept, pairs with ; or a bad escape skipped', () => {
  assert.deepEqual(Object.fromEntries(parseQuery('a=1&a=2&b=x+y&c;=1&d=%zz&e')), { a: ['1', '2'], b: ['x y'], e: [''] })
})

test('go/path – path.Clean', () => {
  for (const [i, o] of [['', '.'], ['//a/./b/../c/', '/a/c'], ['/..', '/'], ['a/../..', '..'], ['/etc/..', '/']]) assert.equal(cleanPath(i as string), o)
})

test('go/strings – folding and upper-casing as Go\'s unicode tables do', () => {
  assert.equal(goFoldEqual('HostConfig', 'ho\u017ftconfig'), true)
  assert.equal(goFoldEqual('k', '\u212a'), true)
  assert.equal(goFoldEqual('i', '\u0131'), false)
  assert.equal(goToUpper('cap_\u017fys_admin'), 'CAP_SYS_ADMIN')
})

test('go/text – strconv.Quote', () => {
  assert.equal(goQuote('a"b\n'), '"a\\"b\\n"')
})

function pick(u: ReturnType<typeof parseGoURL>): Record<string, string> {
  return { scheme: u.scheme, host: u.host, path: u.path, rawQuery: u.rawQuery, fragment: u.fragment, opaque: u.opaque }
}
