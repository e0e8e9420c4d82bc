import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  decodeAs, elementsOf, fieldOf, go, GoMap, GoSlice, GoStruct, mapGet,
  resolveBodyPath, stringOf, toJson, type GoValue,
} from '../../../src/dockerd/json/go-view.js'
import { goFoldEqual, goFoldRune, goToUpper } from '../../../src/go/strings.js'
import { parseJson, type JsonNode } from '../../../src/dockerd/json/parse.js'

function json(text: string): JsonNode {
  const node = parseJson(text)
  assert.notEqual(node, undefined, `test body is not JSON: ${text}`)
  return node as JsonNode
}

describe('goFoldEqual: Go unicode.SimpleFold orbits', () => {
  const rows: Array<{ name: string; a: string; b: string; equal: boolean }> = [
    { name: 'ASCII case', a: 'HostConfig', b: 'hOSTcONFIG', equal: true },
    { name: 'ASCII non-letters are exact', a: 'a-b', b: 'a_b', equal: false },
    { name: 'long s ſ ~ s', a: 'ſ', b: 's', equal: true },
    { name: 'long s ſ ~ S', a: 'Hoſtconfig', b: 'HOSTCONFIG', equal: true },
    { name: 'Kelvin sign ~ k', a: '\u212A', b: 'k', equal: true },
    { name: 'Kelvin sign ~ K', a: 'Networ\u212AMode', b: 'NetworkMode', equal: true },
    { name: 'Angstrom sign ~ å', a: '\u212B', b: '\u00E5', equal: true },
    { name: 'Angstrom sign ~ Å', a: '\u212B', b: '\u00C5', equal: true },
    { name: 'Å is not A', a: '\u212B', b: 'A', equal: false },
    { name: 'dotless ı is not i', a: 'Pr\u0131vileged', b: 'Privileged', equal: false },
    { name: 'dotted İ is not i', a: '\u0130', b: 'i', equal: false },
    { name: 'sharp s ß ~ ẞ', a: '\u00DF', b: '\u1E9E', equal: true },
    { name: 'ß is not ss', a: '\u00DF', b: 'ss', equal: false },
    { name: 'final sigma ~ sigma', a: '\u03C2', b: '\u03A3', equal: true },
    { name: 'titlecase digraph ǅ ~ ǆ', a: '\u01C5', b: '\u01C6', equal: true },
    { name: 'different lengths', a: 'Bind', b: 'Binds', equal: false },
  ]
  for (const row of rows) {
    it(row.name, () => assert.equal(goFoldEqual(row.a, row.b), row.equal))
  }
  it('folds every ASCII letter to its lower case and nothing else', () => {
    for (let c = 0; c < 0x80; c++) {
      const expect = c >= 0x41 && c <= 0x5a ? c + 0x20 : c
      assert.equal(goFoldRune(c), expect, `U+${c.toString(16)}`)
    }
  })
})

describe('goToUpper: Go strings.ToUpper', () => {
  const rows: Array<{ name: string; in: string; want: string }> = [
    { name: 'ASCII', in: 'cap_sys_admin', want: 'CAP_SYS_ADMIN' },
    { name: 'long s', in: 'ſys_admin', want: 'SYS_ADMIN' },
    { name: 'dotless i', in: 'sys_admın', want: 'SYS_ADMIN' },
    { name: 'sharp s has no single upper case', in: 'ß', want: 'ß' },
    { name: 'Kelvin sign is already upper case', in: '\u212Aill', want: '\u212AILL' },
  ]
  for (const row of rows) {
    it(row.name, () => assert.equal(goToUpper(row.in), row.want))
  }
})

describe('decodeAs: typed decoding with Go semantics', () => {
  const S = go.struct({ P: go.bool, N: go.string, L: go.slice(go.struct({ A: go.string, B: go.string })), M: go.map(go.struct({ X: go.number, Y: go.number })), C: go.strSlice, H: go.ptr(go.struct({ Q: go.bool })) })
  const decode = (text: string): { value: GoValue; errors: string[] } => decodeAs(S, json(text))
  const listOf = (v: GoValue): Array<[string, string]> => elementsOf(fieldOf(v, 'L')).map((e) => [stringOf(fieldOf(e, 'A')), stringOf(fieldOf(e, 'B'))])

  it('matches fields case-insensitively', () => assert.equal(fieldOf(decode('{"p":true}').value, 'P'), true))
  it('prefers the exact field name, else the first folded one in declaration order', () => {
    const T = go.struct({ AB: go.string, Ab: go.string })
    const v = decodeAs(T, json('{"ab":"folded","Ab":"exact"}')).value
    assert.deepEqual([fieldOf(v, 'AB'), fieldOf(v, 'Ab')], ['folded', 'exact'])
  })
  it('ignores unknown keys', () => assert.deepEqual(decode('{"Zzz":{"P":true}}').errors, []))
  it('keeps the last scalar', () => assert.equal(fieldOf(decode('{"P":true,"p":false}').value, 'P'), false))
  it('ignores null for a bool', () => assert.equal(fieldOf(decode('{"P":true,"P":null}').value, 'P'), true))
  it('merges objects into a non-nil pointer', () => {
    const v = decode('{"H":{"Q":true},"h":{}}').value
    assert.equal(fieldOf(fieldOf(v, 'H'), 'Q'), true)
  })
  it('null resets a pointer', () => assert.equal(fieldOf(decode('{"H":{"Q":true},"H":null}').value, 'H'), null))
  it('allocates the pointer even when the value mismatches', () => {
    const { value, errors } = decode('{"H":"x"}')
    assert.ok(fieldOf(value, 'H') instanceof GoStruct)
    assert.equal(errors.length, 1)
  })
  it('records type mismatches and keeps the old value', () => {
    const { value, errors } = decode('{"P":true,"P":"false","N":1}')
    assert.equal(fieldOf(value, 'P'), true)
    assert.equal(errors.length, 2)
  })
  it('reuses slice elements: a struct element merges', () => {
    assert.deepEqual(listOf(decode('{"L":[{"A":"a","B":"b"}],"L":[{"B":"c"}]}').value), [['a', 'c']])
  })
  it('reuses slice elements: a null element keeps the old one', () => {
    assert.deepEqual(listOf(decode('{"L":[{"A":"a"}],"L":[null]}').value), [['a', '']])
  })
  it('a shorter array only shortens; a longer one re-exposes the stale element', () => {
    const v = decode('{"L":[{"A":"1"},{"A":"2"}],"L":[{"B":"x"}],"L":[{"B":"y"},{"B":"z"}]}').value
    assert.deepEqual(listOf(v), [['1', 'y'], ['2', 'z']])
  })
  it('stale elements come back up to the capacity, then the slice grows', () => {
    // cap 4 after the first array; the third re-exposes elements 1–2, element 3 was never set,
    // element 4 needs a new backing array (cap 6).
    const v = decode('{"L":[{"A":"1"},{"A":"2"},{"A":"3"}],"L":[{"B":"x"}],"L":[{},{},{},{},{}]}').value
    assert.deepEqual(listOf(v), [['1', 'x'], ['2', ''], ['3', ''], ['', ''], ['', '']])
  })
  it('capacity grows by half: 4, then 6', () => {
    const v = decode('{"L":[{"A":"1"},{"A":"2"},{"A":"3"},{"A":"4"},{"A":"5"}],"L":[{}],"L":[{},{},{},{},{},{},{}]}').value
    assert.deepEqual(listOf(v).map(([a]) => a), ['1', '2', '3', '4', '5', '', ''])
    assert.equal((fieldOf(v, 'L') as GoSlice).items.length, 9)
  })
  it('[] makes a fresh empty slice', () => {
    const v = decode('{"L":[{"A":"1"},{"A":"2"}],"L":[],"L":[{},{}]}').value
    assert.deepEqual(listOf(v), [['', ''], ['', '']])
  })
  it('null makes a nil slice', () => assert.equal(fieldOf(decode('{"L":[{}],"L":null}').value, 'L'), null))
  it('maps accumulate exact keys with fresh values', () => {
    const m = fieldOf(decode('{"M":{"k":{"X":1}},"m":{"k":{"Y":2},"K":{"X":3}}}').value, 'M')
    assert.ok(m instanceof GoMap)
    assert.deepEqual([...m.entries.keys()], ['k', 'K'])
    assert.deepEqual(toJson(mapGet(m, 'k') as GoValue), { kind: 'object', entries: [['Y', 2]] })
  })
  it('StrSlice takes a string', () => assert.deepEqual(elementsOf(fieldOf(decode('{"C":"x"}').value, 'C')), ['x']))
  it('StrSlice takes an array, decoded afresh', () => {
    assert.deepEqual(elementsOf(fieldOf(decode('{"C":["a","b"],"C":[null]}').value, 'C')), [''])
  })
  it('StrSlice rejects other types', () => assert.equal(decode('{"C":[1]}').errors.length, 1))
  it('a nil top-level value decodes to zero', () => assert.ok(decode('null').value instanceof GoStruct))
  it('a slice is a GoSlice with its length', () => {
    const l = fieldOf(decode('{"L":[{},{}]}').value, 'L')
    assert.ok(l instanceof GoSlice)
    assert.equal(l.len, 2)
  })
})

describe('resolveBodyPath', () => {
  const rows: Array<{ name: string; body: string; path: string[]; want: JsonNode[][] }> = [
    { name: 'plain path', body: '{"HostConfig":{"Privileged":true}}', path: ['HostConfig', 'Privileged'], want: [[true]] },
    { name: 'lower-case keys', body: '{"hostconfig":{"privileged":true}}', path: ['HostConfig', 'Privileged'], want: [[true]] },
    { name: 'upper-case keys', body: '{"HOSTCONFIG":{"PRIVILEGED":true}}', path: ['HostConfig', 'Privileged'], want: [[true]] },
    { name: 'long s in a key', body: '{"Hoſtconfig":{"Privileged":true}}', path: ['HostConfig', 'Privileged'], want: [[true]] },
    { name: 'Kelvin sign in a key', body: '{"HostConfig":{"Networ\u212aMode":"host"}}', path: ['HostConfig', 'NetworkMode'], want: [['host']] },
    { name: 'dotless i does not fold', body: '{"HostConfig":{"Pr\u0131vileged":true}}', path: ['HostConfig', 'Privileged'], want: [[]] },
    { name: 'path segments fold too', body: '{"HostConfig":{"Privileged":true}}', path: ['hoſtconfig', 'PRIVILEGED'], want: [[true]] },
    { name: 'duplicate scalar: last wins', body: '{"HostConfig":{"Privileged":true,"Privileged":false}}', path: ['HostConfig', 'Privileged'], want: [[false]] },
    { name: 'duplicate objects merge', body: '{"HostConfig":{"Privileged":true},"hostconfig":{"Memory":1}}', path: ['HostConfig', 'Privileged'], want: [[true]] },
    { name: 'null after a scalar is ignored', body: '{"HostConfig":{"Privileged":true,"Privileged":null}}', path: ['HostConfig', 'Privileged'], want: [[true]] },
    { name: 'null resets a pointer struct', body: '{"HostConfig":{"Privileged":true},"HostConfig":null}', path: ['HostConfig', 'Privileged'], want: [[]] },
    { name: 'null then object allocates afresh', body: '{"HostConfig":{"Privileged":true},"HostConfig":null,"HostConfig":{"Memory":1}}', path: ['HostConfig', 'Privileged'], want: [[]] },
    { name: 'null resets a slice', body: '{"HostConfig":{"Binds":["/:/h"],"Binds":null}}', path: ['HostConfig', 'Binds'], want: [[]] },
    { name: '[] resets a slice', body: '{"HostConfig":{"Binds":["/:/h"],"Binds":[]}}', path: ['HostConfig', 'Binds'], want: [[]] },
    { name: 'shorter string array truncates', body: '{"Binds":["/tmp:/a","/:/b"],"Binds":["/tmp:/c"]}', path: ['Binds'], want: [['/tmp:/c']] },
    { name: 'null element keeps the old string', body: '{"Binds":["/:/h"],"Binds":[null]}', path: ['Binds'], want: [['/:/h']] },
    { name: 'StrSlice fields decode afresh', body: '{"CapAdd":["A","B"],"capadd":[null]}', path: ['CapAdd'], want: [[]] },
    { name: 'StrSlice field given one string', body: '{"HostConfig":{"CapAdd":"SYS_ADMIN"}}', path: ['HostConfig', 'CapAdd'], want: [['SYS_ADMIN']] },
    { name: 'null into a value struct is ignored', body: '{"HostConfig":{"LogConfig":{"Type":"x"},"LogConfig":null}}', path: ['HostConfig', 'LogConfig', 'Type'], want: [['x']] },
    { name: 'null into a pointer scalar resets it', body: '{"HostConfig":{"Init":true,"Init":null}}', path: ['HostConfig', 'Init'], want: [[]] },
    { name: 'leaf array flattened', body: '{"HostConfig":{"CapAdd":["A","B"]}}', path: ['HostConfig', 'CapAdd'], want: [['A', 'B']] },
    { name: 'nested leaf arrays flattened, nulls left out', body: '{"X":[["a"],["b",null],[]]}', path: ['X'], want: [['a', 'b']] },
    { name: 'array along the path', body: '{"HostConfig":{"Mounts":[{"Source":"/a"},{"Source":"/b"},{"Target":"/c"}]}}', path: ['HostConfig', 'Mounts', 'Source'], want: [['/a', '/b']] },
    { name: 'array elements merge across duplicates', body: '{"Mounts":[{"Type":"bind","Source":"/tmp"}],"Mounts":[{"Source":"/"}]}', path: ['Mounts', 'Type'], want: [['bind']] },
    { name: 'null element keeps the old struct', body: '{"Mounts":[{"Source":"/"}],"Mounts":[null]}', path: ['Mounts', 'Source'], want: [['/']] },
    { name: 'null element resets a pointer element', body: '{"Ulimits":[{"Name":"x"}],"Ulimits":[null]}', path: ['Ulimits', 'Name'], want: [[]] },
    {
      name: 'stale element beyond a shorter array comes back',
      body: '{"Mounts":[{"Source":"/tmp"},{"Source":"/tmp"}],"Mounts":[{"Target":"/c"}],"Mounts":[{"Target":"/c"},{"Source":"/"}]}',
      path: ['Mounts', 'Source'],
      want: [['/tmp', '/']],
    },
    { name: 'top-level array', body: '[{"a":1},{"A":2}]', path: ['a'], want: [[1, 2]] },
    { name: 'map keys in two cases: two readings', body: '{"Labels":{"role":"a","ROLE":"b"}}', path: ['Labels', 'role'], want: [['a'], ['b']] },
    { name: 'map field name folds', body: '{"labels":{"role":"a"}}', path: ['Labels', 'role'], want: [['a']] },
    { name: 'maps accumulate across duplicates', body: '{"Labels":{"a":"1"},"labels":{"b":"2"}}', path: ['Labels', 'b'], want: [['2']] },
    { name: 'exact duplicate map key: last wins', body: '{"Labels":{"a":"1","a":"2"}}', path: ['Labels', 'a'], want: [['2']] },
    { name: 'map values are fresh, not merged', body: '{"Labels":{"a":{"x":1},"a":{"y":2}}}', path: ['Labels', 'a', 'x'], want: [[]] },
    { name: 'null resets a map', body: '{"Labels":{"a":"1"},"Labels":null}', path: ['Labels', 'a'], want: [[]] },
    { name: 'a map key may contain dots', body: '{"Labels":{"com.example.owner":"x"}}', path: ['Labels', 'com.example.owner'], want: [['x']] },
    { name: 'map key not present', body: '{"Labels":{"a":"1"}}', path: ['Labels', 'b'], want: [[]] },
    {
      name: 'LogConfig.Config is a map',
      body: '{"HostConfig":{"LogConfig":{"Config":{"max-size":"1","MAX-SIZE":"2"}}}}',
      path: ['HostConfig', 'LogConfig', 'Config', 'max-size'],
      want: [['1'], ['2']],
    },
    { name: 'Config elsewhere is a struct', body: '{"Config":{"a":"1","A":"2"}}', path: ['Config', 'a'], want: [['2']] },
    { name: 'DriverOpts is a map', body: '{"DriverOpts":{"device":"/","Device":"/etc"}}', path: ['DriverOpts', 'device'], want: [['/'], ['/etc']] },
    {
      name: 'readings combine across array elements',
      body: '{"Mounts":[{"VolumeOptions":{"Labels":{"k":"1","K":"2"}}},{"VolumeOptions":{"Labels":{"k":"3"}}}]}',
      path: ['Mounts', 'VolumeOptions', 'Labels', 'k'],
      want: [['1', '3'], ['2', '3']],
    },
    { name: 'absent path', body: '{}', path: ['a', 'b'], want: [[]] },
    { name: 'scalar along the path', body: '{"a":1}', path: ['a', 'b'], want: [[]] },
    { name: 'null leaf', body: '{"a":null}', path: ['a'], want: [[]] },
    { name: 'empty path reads the root', body: '"x"', path: [], want: [['x']] },
    {
      name: 'object leaf is merged',
      body: '{"A":{"x":1},"a":{"y":2,"X":3}}',
      path: ['A'],
      want: [[{ kind: 'object', entries: [['x', 3], ['y', 2]] }]],
    },
  ]
  for (const row of rows) {
    it(row.name, () => {
      assert.deepEqual(resolveBodyPath(json(row.body), row.path).map((r) => r.values), row.want)
    })
  }

  it('too many readings fold into a union and the values common to all', () => {
    const element = '{"Labels":{"k":"a","K":"b"},"Labels":{"x":"common"}}'
    const body = `{"M":[${Array(10).fill(element).join(',')}]}`
    const readings = resolveBodyPath(json(body), ['M', 'Labels', 'k'])
    assert.equal(readings.length, 2)
    assert.equal(readings[0]?.values.length, 20)
    assert.deepEqual(readings[1]?.values, [])
    const common = resolveBodyPath(json(`{"M":[${Array(10).fill('{"Labels":{"k":"a","K":"a"}}').join(',')}]}`), ['M', 'Labels', 'k'])
    assert.deepEqual(common.map((r) => r.values.length), [20, 10])
  })

  it('reads through nesting deeper than the merge limit', () => {
    const depth = 1000
    const body = '{"a":'.repeat(depth) + '"x"' + '}'.repeat(depth)
    assert.deepEqual(resolveBodyPath(json(body), Array(depth).fill('a')).map((r) => r.values), [['x']])
  })

  it('flattens very deep arrays without overflowing the stack', () => {
    const depth = 9000
    const body = `{"a":${'['.repeat(depth)}{"b":1}${']'.repeat(depth)}}`
    assert.deepEqual(resolveBodyPath(json(body), ['a', 'b']).map((r) => r.values), [[1]])
    assert.equal(resolveBodyPath(json(body), ['a'])[0]?.values.length, 1)
  })
})
