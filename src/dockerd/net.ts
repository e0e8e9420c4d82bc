/**
 * IP addresses as dockerd reads them (Go 1.19 `net.ParseIP`), and which of them lead to the
 * host or its private networks.
 *
 * Go accepts only canonical spellings: IPv4 as four decimal fields of 0-255 without leading zeros
 * (since Go 1.17), IPv6 as RFC 4291 text (optionally ending in an IPv4 dotted quad), no zone.
 * Anything else is not an IP to dockerd's Go code, but glibc (the `git` and `ssh` a remote build
 * runs, a cgo resolver) reads `127.1`, `0x7f.1`, `0177.0.0.1` and `2130706433` as 127.0.0.1; so a
 * host that looks numeric but is not canonical is unreadable (outbound.ts treats it as local).
 */

import type { IpBytes } from '../go/ip.js'

/**
 * The ranges that are not the public internet: this network, loopback, link-local (cloud
 * instance metadata at 169.254.169.254), RFC 1918 private, shared (CGNAT), IETF and benchmark
 * ranges, documentation, multicast and reserved (IANA special-purpose registries). An address in
 * one of them reaches the host, its private networks, or nothing a build should fetch from.
 */
const V4_LOCAL: Array<[number[], number]> = [
  [[0, 0, 0, 0], 8], [[10, 0, 0, 0], 8], [[100, 64, 0, 0], 10], [[127, 0, 0, 0], 8], [[169, 254, 0, 0], 16],
  [[172, 16, 0, 0], 12], [[192, 0, 0, 0], 24], [[192, 0, 2, 0], 24], [[192, 88, 99, 0], 24], [[192, 168, 0, 0], 16],
  [[198, 18, 0, 0], 15], [[198, 51, 100, 0], 24], [[203, 0, 113, 0], 24], [[224, 0, 0, 0], 4], [[240, 0, 0, 0], 4],
]

/** Unspecified, loopback, discard, documentation, ULA, link-local, site-local, multicast. */
const V6_LOCAL: Array<[number[], number]> = [
  [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 127],
  [[0x01, 0x00, 0, 0, 0, 0, 0, 0], 64],
  [[0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48],
  [[0x20, 0x01, 0x0d, 0xb8], 32],
  [[0xfc], 7], [[0xfe, 0x80], 10], [[0xfe, 0xc0], 10], [[0xff], 8],
]

function inPrefix(ip: IpBytes, prefix: number[], bits: number): boolean {
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3
    const mask = 0x80 >> (i & 7)
    if (((ip[byte] as number) & mask) !== ((prefix[byte] ?? 0) & mask)) return false
  }
  return true
}

/** The IPv4 address an IPv6 address carries for translation (mapped, compatible, NAT64, 6to4). */
function embeddedV4(ip: IpBytes): IpBytes | undefined {
  const zeros = (n: number): boolean => ip.slice(0, n).every((b) => b === 0)
  if (zeros(10) && ip[10] === 0xff && ip[11] === 0xff) return ip.slice(12) // ::ffff:a.b.c.d
  if (zeros(12)) return ip.slice(12) // ::a.b.c.d (deprecated compatible form)
  if (inPrefix(ip, [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], 96)) return ip.slice(12) // 64:ff9b::/96
  if (ip[0] === 0x20 && ip[1] === 0x02) return ip.slice(2, 6) // 6to4
  return undefined
}

export function isLocalIp(ip: IpBytes): boolean {
  if (ip.length === 4) return V4_LOCAL.some(([p, bits]) => inPrefix(ip, p, bits))
  const v4 = embeddedV4(ip)
  if (v4) return isLocalIp(v4)
  return V6_LOCAL.some(([p, bits]) => inPrefix(ip, p, bits))
}

/**
 * A host name that is really a number: its last label is all digits, or a `0x` hex number (DNS
 * names never end in a numeric label). Such a host is an IP in some reader's eyes.
 */
export function looksNumeric(host: string): boolean {
  const last = host.replace(/\.$/, '').split('.').pop() ?? ''
  return /^[0-9]+$/.test(last) || /^0x[0-9a-f]*$/i.test(last)
}
