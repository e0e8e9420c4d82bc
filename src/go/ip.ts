/**
 * Go's `net.ParseIP` (Go 1.17 and later, dockerd 20.10 is built with 1.19): IPv4 as four decimal
 * fields of 0-255 without leading zeros, IPv6 as RFC 4291 text (optionally ending in an IPv4
 * dotted quad), no zone.
 */

/** 4 or 16 bytes. */
export type IpBytes = readonly number[]

export function parseIp(s: string): IpBytes | undefined {
  return s.includes(':') ? parseIPv6(s) : parseIPv4(s)
}

function parseIPv4(s: string): IpBytes | undefined {
  const parts = s.split('.')
  if (parts.length !== 4) return undefined
  const out: number[] = []
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined
    const n = Number(p)
    if (n > 255) return undefined
    out.push(n)
  }
  return out
}

function parseIPv6(s: string): IpBytes | undefined {
  let head = s
  let tail: number[] = []
  // An embedded IPv4 address in the last 32 bits.
  const lastColon = s.lastIndexOf(':')
  if (s.slice(lastColon + 1).includes('.')) {
    const v4 = parseIPv4(s.slice(lastColon + 1))
    if (!v4) return undefined
    tail = [v4[0], v4[1], v4[2], v4[3]] as number[]
    head = s.slice(0, lastColon + 1)
    if (!head.endsWith('::')) head = head.slice(0, -1)
  }
  const halves = head.split('::')
  if (halves.length > 2) return undefined
  const groups = (h: string): number[] | undefined => {
    if (h === '') return []
    const out: number[] = []
    for (const g of h.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined
      const n = parseInt(g, 16)
      out.push(n >> 8, n & 0xff)
    }
    return out
  }
  const left = groups(halves[0] as string)
  const right = halves.length === 2 ? groups(halves[1] as string) : []
  if (!left || !right) return undefined
  const known = left.length + right.length + tail.length
  if (halves.length === 2) {
    if (known > 14) return undefined
    return [...left, ...new Array<number>(16 - known).fill(0), ...right, ...tail]
  }
  return known === 16 ? [...left, ...tail] : undefined
}

/** One spelling per address: dotted quad, or eight lower-case hex groups. */
export function ipToString(ip: IpBytes): string {
  if (ip.length === 4) return ip.join('.')
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push((((ip[i] as number) << 8) | (ip[i + 1] as number)).toString(16))
  return groups.join(':')
}
