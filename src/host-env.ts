/**
 * The engine's view of the host it runs on: real paths (so that a bind of a symlink to `/` is
 * caught), the host's own addresses, and host names resolved at decision time (§16 outbound).
 */
import { realpathSync } from 'node:fs'
import { lookup } from 'node:dns/promises'
import { networkInterfaces } from 'node:os'
import type { EvalEnv } from './policy/index.js'

/** How long a decision waits for a name to resolve before counting it as unresolved (local). */
export const RESOLVE_DEADLINE_MS = 1000

let addresses: { at: number; list: string[] } | undefined

/** The addresses of the host's interfaces, re-read at most every 5 s. */
function hostAddresses(): string[] {
  const now = Date.now()
  if (!addresses || now - addresses.at > 5000) {
    const list: string[] = []
    for (const iface of Object.values(networkInterfaces())) for (const a of iface ?? []) list.push(a.address.replace(/%.*$/, ''))
    addresses = { at: now, list }
  }
  return addresses.list
}

export const hostEnv: EvalEnv = {
  realpath: (p) => {
    try {
      // The native call resolves `..` after a symlink physically, as the kernel does when it
      // mounts: `/data/link-to-etc/..` is `/`, where the JS implementation would say `/data`.
      return realpathSync.native(p)
    } catch {
      return undefined
    }
  },
  hostAddresses,
}

const inFlight = new Map<string, Promise<string[] | undefined>>()

/**
 * Resolves names the way the host's C library does (getaddrinfo: /etc/hosts, nsswitch, DNS), as
 * dockerd's resolver on Debian does, each within the deadline; a name that fails or is late is
 * absent from the result. Concurrent decisions share a lookup in flight. getaddrinfo runs on
 * libuv's thread pool, so a slow DNS server delays only the decisions that wait for it.
 */
export async function resolveNames(names: readonly string[], deadlineMs = RESOLVE_DEADLINE_MS): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>()
  if (names.length === 0) return out
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), deadlineMs) })
  await Promise.all(names.map(async (name) => {
    let pending = inFlight.get(name)
    if (!pending) {
      pending = lookup(name, { all: true, verbatim: true }).then((r) => r.map((a) => a.address), () => undefined)
      inFlight.set(name, pending)
      void pending.finally(() => inFlight.delete(name))
    }
    const result = await Promise.race([pending, deadline])
    if (result) out.set(name, result)
  }))
  clearTimeout(timer)
  return out
}

/** hostEnv with the answers of resolveNames. */
export function withLookups(env: EvalEnv, resolved: ReadonlyMap<string, readonly string[]>): EvalEnv {
  return resolved.size === 0 ? env : { ...env, lookup: (name) => resolved.get(name) }
}
