/**
 * §16 `match.outbound`: where a request makes dockerd connect. The destinations are read by
 * src/dockerd/readers/destinations.ts (the log driver's by the container reader); this family
 * decides which of them are local.
 *
 * `local` holds for a destination that is, or may be, on the host or its networks: a Unix
 * socket, `localhost`, a loopback, link-local, private or otherwise non-public address, one of the
 * host's own addresses, a name that resolved (at decision time) to any of those or did not resolve
 * in time, a number that is not a canonical IP, or anything unreadable. Docker Hub is not local.
 * Names are resolved before the decision (namesToResolve, then EvalEnv.lookup); dockerd resolves
 * them again when it connects (DNS rebinding: README "Outbound").
 */
import { isLocalIp, looksNumeric } from '../../dockerd/net.js'
import { DESTINATION_ROUTES, DOCKER_HUB, requestDestinations } from '../../dockerd/readers/destinations.js'
import type { Destination } from '../../dockerd/readers/destinations.js'
import type { PreparedRequest } from '../../dockerd/request.js'
import { ipToString, parseIp } from '../../go/ip.js'
import { join } from '../checker.js'
import type { CheckedGlob } from '../checked.js'
import type { CompiledPolicySet } from '../compile.js'
import type { EvalEnv, Phase } from '../types.js'
import { container } from './container.js'
import { familyFacts, familyReads, no } from './family.js'
import type { ConditionFamily } from './family.js'

export interface OutboundCondition {
  local?: boolean
  hosts?: CheckedGlob[]
}

export const outbound: ConditionFamily<OutboundCondition, Destination[]> = {
  key: 'outbound',
  keys: ['local', 'hosts'],
  emptyHint: 'local, hosts',
  endpoints: ['container-create', 'container-start', ...DESTINATION_ROUTES],
  where: 'builds, image pulls, imports, pushes and searches, distribution, plugin pulls and pushes, and container log drivers',

  check(c, path, m, t) {
    const out: OutboundCondition = {}
    if (m.local !== undefined) out.local = t.track(c.boolean(join(path, 'local'), m.local, 'local'))
    if (m.hosts !== undefined) out.hosts = t.track(c.flatGlobs(join(path, 'hosts'), m.hosts, 'hosts', '["registry.example.com", "*.corp.example"]', { nocase: true }))
    return out
  },

  skip: (req) => container.skip?.(req),

  read(req) {
    const route = req.route()
    const endpoint = route?.route.endpoint
    if (endpoint === 'container-create' || endpoint === 'container-start') {
      // The log driver's addresses, from the container family's reading of the body.
      return familyFacts(container, req)?.logDestinations
    }
    // A form body the plugin cannot see may carry the parameters dockerd reads first.
    if (req.queryIncomplete) return undefined
    return requestDestinations(endpoint ?? '', route?.name, req.query)
  },

  noEvidence: () => 'the destination cannot be seen (no evidence)',

  holds(c, destinations, { lenient, env, why }) {
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
    return holds || no(why, `destinations [${destinations.map(describeDestination).join(', ')}] do not match outbound`)
  },
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
  if (req.rejected !== undefined || !familyReads(outbound, req)) return []
  const candidates = set.index[phase].candidates(req.method, req.path)
  const reads = (c: { families?: Array<{ family: unknown }> } | undefined): boolean => c?.families?.some((f) => f.family === outbound) ?? false
  if (!candidates.some((r) => reads(r.match) || reads(r.unless))) return []
  let destinations: Destination[] | undefined
  try {
    destinations = familyFacts(outbound, req)
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

function describeDestination(d: Destination): string {
  return 'host' in d ? d.host : 'socket' in d ? `unix:${d.socket}` : `unreadable ${d.unreadable}`
}
