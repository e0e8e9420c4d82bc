/**
 * POST /networks/create (moby 20.10 `types.NetworkCreateRequest`, decoded with
 * `json.NewDecoder(r.Body).Decode`) as facts: which driver, and whether the network may put
 * containers on the host's own interfaces or bridges.
 *
 * Read default-deny (sources: libnetwork as vendored by moby 20.10.24; docs/local-volumes.md):
 * only the `bridge` driver with options known to be harmless makes a network that is the
 * host's only through NAT. Everything else may reach the host's segments:
 *   - macvlan and ipvlan put containers on the `parent` interface's layer 2 (`parent=eth0.10`
 *     even creates a VLAN interface on the host), with or without a parent;
 *   - `com.docker.network.bridge.name` reuses an existing host bridge (and strips its address;
 *     `docker0` or `default_bridge` takes over the default bridge on 20.10), `host_ipv4` picks
 *     the host's source address, `host_binding_ipv4` the host address ports are published on;
 *   - `ConfigFrom` copies the options of a config-only network the request does not show;
 *   - overlay, host and null, a swarm scope or ingress, and any other driver or IPAM driver (a
 *     plugin, found by a name dockerd joins into a path unchecked) are outside the model;
 *   - an option key not listed below, whatever its value.
 */
import type { JsonNode } from '../json/parse.js'
import { boolOf, decodeAs, fieldOf, go, GoMap, GoStruct, stringOf } from '../json/go-view.js'
import { checkListSize } from '../limits.js'

export interface NetworkFacts {
  /** `Driver`, `bridge` when empty (dockerd's default). Compared exactly by dockerd. */
  driver: string
  /** Why the network may attach to the host's interfaces or bridges; empty when it cannot. */
  hostInterfaces: string[]
  /** `Labels`, exact keys. */
  labels: Record<string, string>
  /** Decode errors: when not empty, dockerd rejects the request. */
  decodeErrors?: string[]
}

const NETWORK_CREATE = go.struct({
  Driver: go.string,
  Scope: go.string,
  Ingress: go.bool,
  ConfigFrom: go.ptr(go.struct({ Network: go.string })),
  IPAM: go.ptr(go.struct({ Driver: go.string })),
  Options: go.map(go.string),
  Labels: go.map(go.string),
})

/** dockerd's default network driver (daemon/network.go). */
export const DEFAULT_NETWORK_DRIVER = 'bridge'

/** Bridge options that only restrict or shape the new bridge itself (libnetwork drivers/bridge/labels.go). */
const HARMLESS_BRIDGE_OPTIONS = new Set([
  'com.docker.network.bridge.enable_icc',
  'com.docker.network.bridge.enable_ip_masquerade',
  'com.docker.network.bridge.inhibit_ipv4',
  'com.docker.network.driver.mtu',
  'com.docker.network.container_iface_prefix',
  'com.docker.network.enable_ipv6',
])

/** The built-in IPAM driver's names (libnetwork ipamapi). */
const BUILTIN_IPAM = new Set(['', 'default', 'null'])

export function readNetworkCreate(root: JsonNode): NetworkFacts {
  const { value, errors } = decodeAs(NETWORK_CREATE, root)
  const driver = stringOf(fieldOf(value, 'Driver')) || DEFAULT_NETWORK_DRIVER
  const options = fieldOf(value, 'Options')
  const labelMap = fieldOf(value, 'Labels')
  const optionKeys = options instanceof GoMap ? [...options.entries.keys()] : []
  checkListSize('the network Options', optionKeys.length)
  const labels: Record<string, string> = {}
  if (labelMap instanceof GoMap) for (const [k, v] of labelMap.entries) Object.defineProperty(labels, k, { value: stringOf(v), enumerable: true })

  const why: string[] = []
  if (driver !== DEFAULT_NETWORK_DRIVER) why.push(`driver ${driver}`)
  else for (const key of optionKeys) if (!HARMLESS_BRIDGE_OPTIONS.has(key)) why.push(`option ${key}`)
  const from = fieldOf(value, 'ConfigFrom')
  if (from instanceof GoStruct) why.push(`options from the network ${JSON.stringify(stringOf(fieldOf(from, 'Network')))}`)
  const scope = stringOf(fieldOf(value, 'Scope'))
  if (scope !== '' && scope !== 'local') why.push(`scope ${scope}`)
  if (boolOf(fieldOf(value, 'Ingress'))) why.push('ingress')
  const ipam = stringOf(fieldOf(fieldOf(value, 'IPAM'), 'Driver'))
  if (!BUILTIN_IPAM.has(ipam)) why.push(`IPAM driver ${ipam}`)
  const facts: NetworkFacts = { driver, hostInterfaces: why, labels }
  return errors.length > 0 ? { ...facts, decodeErrors: errors } : facts
}
