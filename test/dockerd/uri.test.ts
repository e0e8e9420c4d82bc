import assert from 'node:assert/strict'
import { test } from 'node:test'
import { normalizeUri } from '../../src/dockerd/uri.js'
import { parseQuery } from '../../src/go/query.js'

/** Spellings dockerd routes to an endpoint, and the one path each must become. */
const ROUTED: Array<{ name: string; uri: string; path: string; version: string | null; query?: string }> = [
  { name: 'canonical versioned', uri: '/v1.41/volumes/create', path: '/volumes/create', version: '1.41' },
  { name: 'no version prefix', uri: '/volumes/create', path: '/volumes/create', version: null },
  { name: 'three-part version', uri: '/v1.41.0/volumes/create', path: '/volumes/create', version: '1.41.0' },
  { name: 'trailing-dot version', uri: '/v1./volumes/create', path: '/volumes/create', version: '1.' },
  { name: 'dot-only version', uri: '/v./volumes/create', path: '/volumes/create', version: '.' },
  { name: 'other version', uri: '/v1.23/containers/abc/start', path: '/containers/abc/start', version: '1.23' },
  { name: 'future version', uri: '/v1.99/volumes/create', path: '/volumes/create', version: '1.99' },
  { name: 'percent-encoded letter', uri: '/v1.41/volumes/%63reate', path: '/volumes/create', version: '1.41' },
  { name: 'every letter encoded', uri: '/v1.41/%76%6f%6c%75%6d%65%73/%63%72%65%61%74%65', path: '/volumes/create', version: '1.41' },
  { name: 'upper-case hex escape', uri: '/v1.41/volumes/%63%52eate', path: '/volumes/cReate', version: '1.41' },
  { name: 'encoded slash', uri: '/v1.41/volumes%2Fcreate', path: '/volumes/create', version: '1.41' },
  { name: 'encoded slash after the version', uri: '/v1.41%2Fvolumes/create', path: '/volumes/create', version: '1.41' },
  { name: 'encoded version letter', uri: '/%761.41/volumes/create', path: '/volumes/create', version: '1.41' },
  { name: 'absolute form', uri: 'http://x/v1.41/volumes/create', path: '/volumes/create', version: '1.41' },
  { name: 'absolute form with upper-case scheme', uri: 'HTTP://x/v1.41/volumes/create', path: '/volumes/create', version: '1.41' },
  { name: 'absolute form with port and userinfo', uri: 'http://u@x:1234/v1.41/volumes/create', path: '/volumes/create', version: '1.41' },
  { name: 'scheme without authority', uri: 'http:/v1.41/volumes/create', path: '/volumes/create', version: '1.41' },
  { name: 'any scheme', uri: 'x-y.z+w:/v1.41/volumes/create', path: '/volumes/create', version: '1.41' },
  { name: 'absolute form without version', uri: 'https://x/volumes/create?name=a', path: '/volumes/create', version: null, query: 'name=a' },
  { name: 'query kept apart', uri: '/v1.41/containers/json?all=1', path: '/containers/json', version: '1.41', query: 'all=1' },
  { name: 'query smuggling a path', uri: '/v1.41/_ping?/../volumes/create', path: '/_ping', version: '1.41', query: '/../volumes/create' },
  { name: 'encoded question mark stays in the path', uri: '/v1.41/volumes/create%3Fx', path: '/volumes/create?x', version: '1.41' },
  { name: 'fragment is part of the path', uri: '/v1.41/volumes/create#x', path: '/volumes/create#x', version: '1.41' },
  { name: 'semicolon is part of the path', uri: '/v1.41/volumes/create;x', path: '/volumes/create;x', version: '1.41' },
  { name: 'plus stays a plus in the path', uri: '/v1.41/containers/a+b/json', path: '/containers/a+b/json', version: '1.41' },
  { name: 'root path', uri: '/', path: '/', version: null },
  { name: 'ping', uri: '/_ping', path: '/_ping', version: null },
  { name: 'unicode in the path', uri: '/v1.41/containers/%C3%A9t%C3%A9/json', path: '/containers/été/json', version: '1.41' },
  { name: 'version segment only once', uri: '/v1.41/v1.41/volumes/create', path: '/v1.41/volumes/create', version: '1.41' },
  { name: 'upper-case endpoint stays upper-case (dockerd answers 404)', uri: '/v1.41/volumes/CREATE', path: '/volumes/CREATE', version: '1.41' },
  { name: 'a bare v is not a version', uri: '/v/volumes/create', path: '/v/volumes/create', version: null },
  { name: 'container id with an encoded slash', uri: '/v1.41/containers/a%2Fb/start', path: '/containers/a/b/start', version: '1.41' },
]

/** Spellings dockerd redirects or rejects: denied, with a reason. */
const DENIED: Array<{ name: string; uri: string; reason: RegExp }> = [
  { name: 'empty URI', uri: '', reason: /empty/ },
  { name: 'doubled slash', uri: '/v1.41//volumes/create', reason: /empty segment/ },
  { name: 'leading doubled slash', uri: '//v1.41/volumes/create', reason: /empty segment/ },
  { name: 'doubled slash after absolute form', uri: 'http://x//v1.41/volumes/create', reason: /empty segment/ },
  { name: 'encoded doubled slash', uri: '/v1.41/volumes%2F%2Fcreate', reason: /empty segment/ },
  { name: 'dot segment', uri: '/v1.41/./volumes/create', reason: /"\." segment/ },
  { name: 'dot-dot segment', uri: '/v1.41/x/../volumes/create', reason: /"\.\." segment/ },
  { name: 'encoded dot segment', uri: '/v1.41/volumes/%2E/create', reason: /"\." segment/ },
  { name: 'encoded dot-dot segment', uri: '/v1.41/containers/%2e%2e/volumes/create', reason: /"\.\." segment/ },
  { name: 'trailing slash', uri: '/v1.41/volumes/create/', reason: /ends with "\/"/ },
  { name: 'trailing encoded slash', uri: '/v1.41/volumes/create%2F', reason: /ends with "\/"/ },
  { name: 'upper-case version prefix', uri: '/V1.41/volumes/create', reason: /lower-case/ },
  { name: 'version only', uri: '/v1.41', reason: /only an API version/ },
  { name: 'invalid escape', uri: '/v1.41/volumes/%zzcreate', reason: /percent-escape/ },
  { name: 'truncated escape', uri: '/v1.41/volumes/create%2', reason: /percent-escape/ },
  { name: 'encoded NUL', uri: '/v1.41/volumes/create%00', reason: /control character/ },
  { name: 'raw control character', uri: '/v1.41/volumes/create\t', reason: /control character/ },
  { name: 'encoded invalid UTF-8', uri: '/v1.41/volumes/%ffcreate', reason: /UTF-8/ },
  { name: 'relative path', uri: 'v1.41/volumes/create', reason: /not an absolute path/ },
  { name: 'asterisk form', uri: '*', reason: /not an absolute path/ },
  { name: 'opaque URL', uri: 'http:x', reason: /no path/ },
  { name: 'host only', uri: 'http://x', reason: /no path/ },
]

for (const c of ROUTED) {
  test(`normalizeUri – ${c.name}: ${c.uri}`, () => {
    const r = normalizeUri(c.uri)
    assert.equal(r.ok, true, r.ok ? '' : r.reason)
    if (!r.ok) return
    assert.equal(r.path, c.path)
    assert.equal(r.version, c.version)
    assert.equal(r.rawQuery, c.query ?? '')
  })
}

for (const c of DENIED) {
  test(`normalizeUri – denies ${c.name}: ${JSON.stringify(c.uri)}`, () => {
    const r = normalizeUri(c.uri)
    assert.equal(r.ok, false)
    if (r.ok) return
    assert.match(r.reason, c.reason)
  })
}

test('normalizeUri – the table is at least 30 spellings', () => {
  assert.ok(ROUTED.length + DENIED.length >= 30)
})

test('parseQuery – reads the query as Go url.ParseQuery does', () => {
  const q = parseQuery('name=web+1&all=1&all=0&x=%41&bad=%zz&semi=1;2&&flag&enc%3Dkey=v')
  assert.deepEqual(Object.fromEntries(q), { name: ['web 1'], all: ['1', '0'], x: ['A'], flag: [''], 'enc=key': ['v'] })
})
