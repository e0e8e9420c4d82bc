/** `match.network`: what POST /networks/create attaches to, read by src/dockerd/readers/network.ts. */
import { readNetworkCreate } from '../../dockerd/readers/index.js'
import type { NetworkFacts } from '../../dockerd/readers/index.js'
import { join } from '../checker.js'
import type { CheckedGlob } from '../checked.js'
import { anyGlob, no } from './family.js'
import type { ConditionFamily } from './family.js'

export interface NetworkCondition {
  drivers?: CheckedGlob[]
  hostInterfaces?: boolean
}

export const network: ConditionFamily<NetworkCondition, NetworkFacts> = {
  key: 'network',
  keys: ['drivers', 'host_interfaces'],
  emptyHint: 'drivers, host_interfaces',
  endpoints: ['network-create'],
  where: 'POST /networks/create',

  check(c, path, m, t) {
    const out: NetworkCondition = {}
    if (m.drivers !== undefined) out.drivers = t.track(c.flatGlobs(join(path, 'drivers'), m.drivers, 'drivers', '[macvlan, ipvlan]'))
    if (m.host_interfaces !== undefined) out.hostInterfaces = t.track(c.boolean(join(path, 'host_interfaces'), m.host_interfaces, 'host_interfaces'))
    return out
  },

  read(req) {
    const body = req.body()
    return body.kind === 'json' ? readNetworkCreate(body.root) : undefined
  },

  noEvidence: () => 'the network create request has no JSON body (no evidence)',

  holds(c, facts, { why }) {
    if (c.drivers && !anyGlob(c.drivers, facts.driver)) return no(why, `driver ${facts.driver} matches no drivers glob`)
    if (c.hostInterfaces !== undefined && (facts.hostInterfaces.length > 0) !== c.hostInterfaces) {
      return no(why, facts.hostInterfaces.length > 0 ? `the network may reach the host's interfaces (${facts.hostInterfaces.join(', ')})` : 'the network reaches no host interface')
    }
    return true
  },
}
