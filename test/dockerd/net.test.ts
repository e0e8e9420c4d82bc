/** IP literals as Go's net.ParseIP reads them, and which ones are local (§16 outbound). */
import assert from 'node:assert/strict'
import { isIP } from 'node:net'
import { test } from 'node:test'
import fc from 'fast-check'
import { isLocalIp, looksNumeric } from '../../src/dockerd/net.js'
import { ipToString, parseIp } from '../../src/go/ip.js'

const ROWS: Array<[string, boolean | undefined]> = [
  ['127.0.0.1', true], ['127.255.1.2', true], ['0.0.0.0', true], ['10.9.8.7', true], ['172.16.0.1', true], ['172.31.255.255', true],
  ['172.32.0.1', false], ['192.168.1.1', true], ['169.254.169.254', true], ['100.64.0.1', true], ['224.0.0.1', true], ['255.255.255.255', true],
  ['93.184.216.34', false], ['8.8.8.8', false],
  ['::1', true], ['::', true], ['fe80::1', true], ['fd00:ec2::254', true], ['fc00::1', true], ['ff02::1', true],
  ['::ffff:127.0.0.1', true], ['::ffff:8.8.8.8', false], ['::ffff:7f00:1', true], ['64:ff9b::a00:1', true], ['2002:7f00:1::', true],
  ['2a00:1450:4001::10', false], ['2001:db8::1', true],
  // Not IPs to Go: leading zeros, short and integer forms, zones.
  ['127.000.0.1', undefined], ['0177.0.0.1', undefined], ['127.1', undefined], ['2130706433', undefined], ['0x7f.0.0.1', undefined], ['fe80::1%eth0', undefined],
  ['1:2:3:4:5:6:7:8:9', undefined], ['1::2::3', undefined], ['::ffff:1.2.3', undefined],
]

for (const [text, local] of ROWS) {
  test(`ip – ${text} is ${local === undefined ? 'not an IP' : local ? 'local' : 'public'}`, () => {
    const ip = parseIp(text)
    if (local === undefined) assert.equal(ip, undefined)
    else {
      assert.ok(ip, `${text} parses`)
      assert.equal(isLocalIp(ip), local)
    }
  })
}

test('ip – numeric-looking hosts are recognised', () => {
  for (const h of ['2130706433', '0x7f.1', '127.1', 'a.0x10', 'x.123']) assert.equal(looksNumeric(h), true, h)
  for (const h of ['example.org', 'registry-1.docker.io', '1e100.net']) assert.equal(looksNumeric(h), false, h)
})

test('ip – parseIp accepts exactly what node:net reads as an address (no zones), and prints it canonically', () => {
  const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'))
  const v6 = fc.ipV6()
  const noise = fc.string({ maxLength: 20 })
  fc.assert(fc.property(fc.oneof(v4, v6, noise), (s) => {
    const ip = parseIp(s)
    const expected = isIP(s) !== 0 && !s.includes('%')
    assert.equal(ip !== undefined, expected, s)
    if (ip) assert.deepEqual(parseIp(ipToString(ip)), ip)
  }), { numRuns: 3000 })
})
