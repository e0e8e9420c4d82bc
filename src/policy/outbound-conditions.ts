/**
 * §16 `outbound`: where a request makes dockerd connect. The destinations are read by
 * docker/destinations.ts; this file decides which of them are local.
 *
 * `local` holds for a destination that is, or may be, on the host or its networks: a Unix
 * socket, `localhost`, a loopback, link-local, private or otherwise non-public address, one of the
 * host's own addresses, a name that resolved (at decision time) to any of those or did not resolve
 * in time, a number that is not a canonical IP, or anything unreadable. Docker Hub is not local.
 * Names are resolved before the decision (namesToResolve, then EvalEnv.lookup); dockerd resolves
 * them again when it connects (DNS rebinding: README "Outbound").
 */
import type { OutboundCondition } from './checked.js'
import type { CompiledPolicySet } from './compile.js'
import type { Why } from './conditions.js'
import { containerFacts, endpointOf } from './docker-conditions.js'
import { DOCKER_HUB, outboundEndpoint, requestDestinations } from '../dockerd/readers/destinations.js'
import type { Destination } from '../dockerd/readers/destinations.js'
import { isLocalIp, looksNumeric } from '../dockerd/net.js'
import { ipToString, parseIp } from '../go/ip.js'
import type { PreparedRequest } from '../dockerd/request.js'
import type { EvalEnv, Phase } from './types.js'

/** The destinations of the request; [] when it names none; undefined when there is no evidence. */
export function outboundFacts(req: PreparedRequest): Destination[] | undefined {
  const endpoint = endpointOf(req)
  if (endpoint === 'container-create' || endpoint === 'legacy-start') return containerFacts(req)?.logDestinations
  const o = outboundEndpoint(req.method, req.path)
  if (!o) return []
  // A form body the plugin cannot see may carry the parameters dockerd reads first.
  if (req.queryIncomplete) return undefined
  const key = 'outbound'
  if (!req.memo.has(key)) req.memo.set(key, requestDestinations(o, req.query))
  return req.memo.get(key) as Destination[]
}

/** Whether `outbound` can hold on this request's endpoint at all. */
export function hasOutboundEndpoint(req: PreparedRequest): boolean {
  const endpoint = endpointOf(req)
  return endpoint === 'container-create' || endpoint === 'legacy-start' || outboundEndpoint(req.method, req.path) !== undefined
}

export function outboundHolds(c: OutboundCondition, req: PreparedRequest, lenient: boolean, env: EvalEnv, why: Why): boolean {
  if (!hasOutboundEndpoint(req)) return no(why, 'outbound holds only on builds, image pulls, imports, pushes, searches, distribution, plugin pulls and pushes, and container log drivers')
  const destinations = outboundFacts(req)
  if (destinations === undefined) return lenient || no(why, 'the destination cannot be seen (no evidence)')
  if (destinations.length === 0) return no(why, 'the request names no destination')
  const satisfies = (d: Destination): boolean => {
    if ('unreadable' in d) return lenient
    if (c.local !== undefined && isLocal(d, env) !== c.local) return false
    if (c.hosts) {
      const host = 'host' in d ? d.host : undefined
      if (host === undefined || !c.hosts.some((g) => g.test(host))) return false
    }
    return true
  }
  const holds = lenient ? destinations.some(satisfies) : destinations.every(satisfies)
  return holds || no(why, `destinations [${destinations.map(describe).join(', ')}] do not match outbound`)
}

function isLocal(d: Exclude<Destination, { unreadable: string }>, env: EvalEnv): boolean {
  if ('socket' in d) return true
  const host = d.host.replace(/\.$/, '')
  if (host === DOCKER_HUB) return false
  if (host === 'localhost' || host.endsWith('.localhost')) return true
  const ip = parseIp(host)
  if (ip) return localAddress(ip, env)
  if (looksNumeric(host)) return true
  const addresses = env.lookup?.(host)
  if (!addresses || addresses.length === 0) return true
  return addresses.some((a) => {
    const parsed = parseIp(a)
    return parsed === undefined || localAddress(parsed, env)
  })
}

function localAddress(ip: readonly number[], env: EvalEnv): boolean {
  if (isLocalIp(ip)) return true
  const own = env.hostAddresses?.() ?? []
  const s = ipToString(ip)
  return own.some((a) => {
    const p = parseIp(a)
    return p !== undefined && ipToString(p) === s
  })
}

/** Host names the rules that may apply to this request need resolved (none when no rule reads outbound). */
export function namesToResolve(set: CompiledPolicySet, req: PreparedRequest, phase: Phase): string[] {
  if (req.rejected !== undefined || !hasOutboundEndpoint(req)) return []
  const candidates = set.index[phase].candidates(req.method, req.path)
  if (!candidates.some((r) => r.match?.outbound || r.unless?.outbound)) return []
  let destinations: Destination[] | undefined
  try {
    destinations = outboundFacts(req)
  } catch {
    return [] // too large: the decision says so
  }
  const names = new Set<string>()
  for (const d of destinations ?? []) {
    if (!('host' in d)) continue
    const host = d.host.replace(/\.$/, '')
    if (host === DOCKER_HUB || host === 'localhost' || host.endsWith('.localhost') || parseIp(host) || looksNumeric(host)) continue
    names.add(host)
  }
  return [...names]
}

function describe(d: Destination): string {
  return 'host' in d ? d.host : 'socket' in d ? `unix:${d.socket}` : `unreadable ${d.unreadable}`
}

function no(why: Why, reason: string): false {
  why?.push(reason)
  return false
}
