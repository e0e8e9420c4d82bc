import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  decodeBodyBytes, decodeUtf8Go, isJsonObject, MAX_JSON_DEPTH, parseJson, type JsonNode,
} from '../../../src/dockerd/json/parse.js'

const obj = (...entries: Array<[string, JsonNode]>): JsonNode => ({ kind: 'object', entries })

describe('parseJson: valid documents', () => {
  const rows: Array<{ name: string; text: string; want: JsonNode }> = [
    { name: 'empty object', text: '{}', want: obj() },
    { name: 'empty array', text: '[]', want: [] },
    { name: 'scalars', text: '[true,false,null,0,-1.5e3,"x"]', want: [true, false, null, 0, -1500, 'x'] },
    { name: 'whitespace around and inside', text: ' \t\r\n{ "a" : [ 1 , 2 ] }\n', want: obj(['a', [1, 2]]) },
    { name: 'duplicate keys kept in order', text: '{"a":1,"A":2,"a":3}', want: obj(['a', 1], ['A', 2], ['a', 3]) },
    { name: 'nested duplicates', text: '{"h":{"p":true},"h":{"p":false}}', want: obj(['h', obj(['p', true])], ['h', obj(['p', false])]) },
    { name: 'escapes', text: '"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041"', want: '"\\/\b\f\n\r\tA' },
    { name: 'escaped key', text: '{"Ho\\u017ftConfig":1}', want: obj(['HoſtConfig', 1]) },
    { name: 'surrogate pair escape', text: '"\\ud83d\\ude00"', want: '😀' },
    { name: 'lone high surrogate escape → U+FFFD', text: '"\\ud800"', want: '\uFFFD' },
    { name: 'lone low surrogate escape → U+FFFD', text: '"\\udc00x"', want: '\uFFFDx' },
    { name: 'high surrogate then non-surrogate escape', text: '"\\ud800\\u0041"', want: '\uFFFDA' },
    { name: 'two high surrogates', text: '"\\ud800\\ud800\\udc00"', want: '\uFFFD𐀀' },
    { name: 'raw non-ASCII', text: '"ſK"', want: 'ſK' },
    { name: 'top-level scalar', text: ' 42 ', want: 42 },
  ]
  for (const row of rows) {
    it(row.name, () => assert.deepEqual(parseJson(row.text), row.want))
  }
})

describe('parseJson: invalid documents', () => {
  const rows: Array<{ name: string; text: string }> = [
    { name: 'empty', text: '' },
    { name: 'only whitespace', text: ' \n ' },
    { name: 'trailing garbage', text: '{"a":1} junk' },
    { name: 'second value', text: '{"a":1}{"b":2}' },
    { name: 'byte order mark', text: '\uFEFF{}' },
    { name: 'trailing comma in object', text: '{"a":1,}' },
    { name: 'trailing comma in array', text: '[1,]' },
    { name: 'single quotes', text: "{'a':1}" },
    { name: 'unquoted key', text: '{a:1}' },
    { name: 'leading zero', text: '01' },
    { name: 'leading plus', text: '+1' },
    { name: 'bare minus', text: '-' },
    { name: 'fraction without digits', text: '1.' },
    { name: 'NaN', text: 'NaN' },
    { name: 'control character in string', text: '"a\u0001b"' },
    { name: 'newline in string', text: '"a\nb"' },
    { name: 'unknown escape', text: '"\\x41"' },
    { name: 'single-quote escape', text: '"\\\'"' },
    { name: 'short \\u escape', text: '"\\u12"' },
    { name: 'unterminated string', text: '"abc' },
    { name: 'unterminated object', text: '{"a":1' },
    { name: 'missing colon', text: '{"a" 1}' },
    { name: 'mismatched brackets', text: '[1}' },
    { name: 'non-breaking space as whitespace', text: '\u00a0{}' },
    { name: 'literal prefix', text: 'tru' },
  ]
  for (const row of rows) {
    it(row.name, () => assert.equal(parseJson(row.text), undefined))
  }
})

describe('parseJson: allowTrailing reads the first value as json.Decoder does', () => {
  const rows: Array<{ name: string; text: string; want: JsonNode | undefined }> = [
    { name: 'junk after the object', text: '{"a":1} junk', want: obj(['a', 1]) },
    { name: 'a second object is ignored', text: '{"p":false}{"p":true}', want: obj(['p', false]) },
    { name: 'leading whitespace still allowed', text: '\n\t {"a":1}x', want: obj(['a', 1]) },
    { name: 'a broken first value is still invalid', text: '{"a":}', want: undefined },
    { name: 'BOM still invalid', text: '\uFEFF{}', want: undefined },
  ]
  for (const row of rows) {
    it(row.name, () => assert.deepEqual(parseJson(row.text, { allowTrailing: true }), row.want))
  }
})

describe('parseJson: nesting depth', () => {
  const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth)
  it('accepts Go\'s maximum depth', () => assert.notEqual(parseJson(nested(MAX_JSON_DEPTH)), undefined))
  it('rejects one level more', () => assert.equal(parseJson(nested(MAX_JSON_DEPTH + 1)), undefined))
  it('rejects very deep nesting without overflowing the stack', () => {
    assert.equal(parseJson('{"a":'.repeat(200000) + '1' + '}'.repeat(200000)), undefined)
  })
  it('rejects deep unterminated nesting', () => assert.equal(parseJson('['.repeat(1_000_000)), undefined))
  it('parses a long flat array', () => {
    const value = parseJson(`[${'1,'.repeat(100000)}1]`)
    assert.ok(Array.isArray(value))
    assert.equal(value.length, 100001)
  })
})

describe('decodeUtf8Go: one U+FFFD per invalid byte, as utf8.DecodeRune', () => {
  const rows: Array<{ name: string; bytes: number[]; want: string }> = [
    { name: 'ASCII', bytes: [0x41, 0x42], want: 'AB' },
    { name: 'two-byte ſ', bytes: [0xc5, 0xbf], want: 'ſ' },
    { name: 'three-byte Kelvin sign', bytes: [0xe2, 0x84, 0xaa], want: '\u212A' },
    { name: 'four-byte emoji', bytes: [0xf0, 0x9f, 0x98, 0x80], want: '😀' },
    { name: 'truncated three-byte sequence', bytes: [0xe2, 0x82, 0x41], want: '\uFFFD\uFFFDA' },
    { name: 'overlong NUL', bytes: [0xc0, 0x80], want: '\uFFFD\uFFFD' },
    { name: 'encoded surrogate', bytes: [0xed, 0xa0, 0x80], want: '\uFFFD\uFFFD\uFFFD' },
    { name: 'above U+10FFFF', bytes: [0xf4, 0x90, 0x80, 0x80], want: '\uFFFD\uFFFD\uFFFD\uFFFD' },
    { name: 'lone continuation byte', bytes: [0x80], want: '\uFFFD' },
    { name: 'truncated at end', bytes: [0x41, 0xf0, 0x9f], want: 'A\uFFFD\uFFFD' },
  ]
  for (const row of rows) {
    it(row.name, () => assert.equal(decodeUtf8Go(Uint8Array.from(row.bytes)), row.want))
  }
})

describe('decodeBodyBytes', () => {
  it('parses UTF-8 bytes with a raw ſ in a key', () => {
    const body = decodeBodyBytes(new TextEncoder().encode('{"Hoſtconfig":{"Privileged":true}}'))
    assert.ok(isJsonObject(body))
    assert.equal(body.entries[0]?.[0], 'Hoſtconfig')
  })
  it('replaces invalid UTF-8 inside strings', () => {
    assert.deepEqual(decodeBodyBytes(Uint8Array.from([0x22, 0x61, 0xff, 0x22])), 'a\uFFFD')
  })
  it('rejects invalid UTF-8 outside strings', () => {
    assert.equal(decodeBodyBytes(Uint8Array.from([0x7b, 0xff, 0x7d])), undefined)
  })
  it('rejects a UTF-8 BOM', () => {
    assert.equal(decodeBodyBytes(Uint8Array.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d])), undefined)
  })
  it('passes allowTrailing through', () => {
    assert.deepEqual(decodeBodyBytes(new TextEncoder().encode('[1] x'), { allowTrailing: true }), [1])
  })
})
