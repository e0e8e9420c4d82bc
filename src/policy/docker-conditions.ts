/**
 * §9 conditions: `container` and `volume`, evaluated on what dockerd will actually do, read once
 * per request from the body by the Docker readers.
 *
 * Endpoints (method POST, normalised path):
 *   /containers/create                      → container create
 *   /containers/{id}/exec                   → exec create (privileged, capabilities only)
 *   /containers/{id}/start with API < 1.24  → the body is applied as a host configuration
 *   /volumes/create                         → volume create
 *   /networks/create                        → network create
 * Anywhere else a container, volume or network condition does not hold.
 */
import type { CheckedGlob, ContainerCondition, NetworkCondition, VolumeCondition } from './checked.js'
import type { Why } from './conditions.js'
import { hostPathCandidates, readContainerCreate, readExecCreate, readLegacyStart, readNetworkCreate, readVolumeCreate } from '../dockerd/readers/index.js'
import type { ContainerFacts, NetworkFacts, VolumeFacts } from '../dockerd/readers/index.js'
import type { PreparedRequest } from '../dockerd/request.js'
import type { EvalEnv } from './types.js'

type Endpoint = 'container-create' | 'exec-create' | 'legacy-start' | 'volume-create' | 'network-create' | undefined

// dockerd's routes are `/containers/{name:.*}/exec` and `…/start`: a name may hold `/` (a legacy
// link registers `/<container>/<alias>` as a name of the linked container).
const EXEC = /^\/containers\/.+\/exec$/s
const START = /^\/containers\/.+\/start$/s

export function endpointOf(req: PreparedRequest): Endpoint {
  if (req.method !== 'POST') return undefined
  if (req.path === '/containers/create') return 'container-create'
  if (req.path === '/volumes/create') return 'volume-create'
  if (req.path === '/networks/create') return 'network-create'
  if (EXEC.test(req.path)) return 'exec-create'
  if (START.test(req.path) && req.version !== null && versionLess(req.version, '1.24')) return 'legacy-start'
  return undefined
}

/** Go moby `versions.LessThan`: dotted numeric compare, missing or non-numeric parts are 0. */
export function versionLess(a: string, b: string): boolean {
  const pa = a.split('.')
  const pb = b.split('.')
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = Number.parseInt(pa[i] ?? '0', 10) || 0
    const y = Number.parseInt(pb[i] ?? '0', 10) || 0
    if (x !== y) return x < y
  }
  return false
}

/** The facts of a container endpoint's body; undefined when there is no evidence (no or invalid body). */
export function containerFacts(req: PreparedRequest): ContainerFacts | undefined {
  const endpoint = endpointOf(req)
  if (endpoint !== 'container-create' && endpoint !== 'exec-create' && endpoint !== 'legacy-start') return undefined
  return memo(req, 'container', () => {
    const body = req.body()
    if (body.kind !== 'json') return undefined
    if (endpoint === 'container-create') return readContainerCreate(body.root)
    if (endpoint === 'exec-create') return readExecCreate(body.root)
    return readLegacyStart(body.root)
  })
}

export function volumeFacts(req: PreparedRequest): VolumeFacts | undefined {
  if (endpointOf(req) !== 'volume-create') return undefined
  return memo(req, 'volume', () => {
    const body = req.body()
    return body.kind === 'json' ? readVolumeCreate(body.root) : undefined
  })
}

export function networkFacts(req: PreparedRequest): NetworkFacts | undefined {
  if (endpointOf(req) !== 'network-create') return undefined
  return memo(req, 'network', () => {
    const body = req.body()
    return body.kind === 'json' ? readNetworkCreate(body.root) : undefined
  })
}

export function networkHolds(c: NetworkCondition, req: PreparedRequest, lenient: boolean, why: Why): boolean {
  if (endpointOf(req) !== 'network-create') return no(why, 'network conditions hold only on POST /networks/create')
  const facts = networkFacts(req)
  if (!facts) return lenient || no(why, 'the network create request has no JSON body (no evidence)')
  if (c.drivers && !anyGlob(c.drivers, facts.driver)) return no(why, `driver ${facts.driver} matches no drivers glob`)
  if (c.hostInterfaces !== undefined && (facts.hostInterfaces.length > 0) !== c.hostInterfaces) {
    return no(why, facts.hostInterfaces.length > 0 ? `the network may reach the host's interfaces (${facts.hostInterfaces.join(', ')})` : 'the network reaches no host interface')
  }
  return true
}

export function containerHolds(c: ContainerCondition, req: PreparedRequest, lenient: boolean, env: EvalEnv, why: Why): boolean {
  const endpoint = endpointOf(req)
  if (endpoint !== 'container-create' && endpoint !== 'exec-create' && endpoint !== 'legacy-start') {
    return no(why, 'container conditions hold only on container create, exec create and a pre-1.24 start')
  }
  // Keys with no meaning on this endpoint never hold, with or without evidence.
  if (endpoint === 'exec-create' && (c.hostMounts || c.images || c.hostNamespaces || c.devices !== undefined || c.securityOpts || c.joinsContainers !== undefined || c.remoteLogging !== undefined)) {
    return no(why, 'exec create carries only privileged and capabilities')
  }
  if (endpoint === 'legacy-start' && c.images) return no(why, 'a start body carries no image')
  const facts = containerFacts(req)
  if (!facts) return lenient || no(why, `the ${endpoint} request has no JSON body (no evidence)`)
  const some = quantifier(lenient)

  if (c.privileged !== undefined && facts.privileged !== c.privileged) {
    return no(why, `container is ${facts.privileged ? '' : 'not '}privileged`)
  }
  if (c.hostMounts && !mountsHold(c.hostMounts, facts.hostMounts, lenient, env)) {
    return no(why, `host mounts [${facts.hostMounts.join(', ')}] do not match host_mounts`)
  }
  if (c.joinsContainers !== undefined && (facts.joinsContainers.length > 0) !== c.joinsContainers) {
    return no(why, facts.joinsContainers.length > 0 ? `the container joins [${facts.joinsContainers.join(', ')}]` : 'the container joins no other container')
  }
  if (c.capabilities) {
    const wanted = c.capabilities
    const listed = (cap: string): boolean => wanted.includes(cap) || (lenient && cap === 'ALL')
    if (!some(facts.capabilities, listed)) return no(why, `capabilities [${facts.capabilities.join(', ')}] do not match [${wanted.join(', ')}]`)
  }
  if (c.hostNamespaces) {
    const wanted = c.hostNamespaces
    if (!some(facts.hostNamespaces, (n) => wanted.includes(n))) return no(why, `host namespaces [${facts.hostNamespaces.join(', ')}] do not match [${wanted.join(', ')}]`)
  }
  if (c.devices !== undefined) {
    const d = c.devices
    // A privileged container has every device: it matches any device glob of a deny, and no
    // allow-list of device paths covers it.
    const holds = typeof d === 'boolean'
      ? facts.devices.present === d
      : facts.privileged ? lenient : some(facts.devices.hostPaths, (p) => some(candidates(p, env), (x) => anyGlob(d, x)))
    if (!holds) return no(why, `devices [${facts.devices.hostPaths.join(', ')}] do not match`)
  }
  if (c.securityOpts) {
    const globs = c.securityOpts
    if (!some(facts.securityOpts, (o) => anyGlob(globs, o))) return no(why, `security options [${facts.securityOpts.join(', ')}] do not match`)
  }
  if (c.remoteLogging !== undefined && (facts.remoteLogging.length > 0) !== c.remoteLogging) {
    return no(why, facts.remoteLogging.length > 0 ? `logging is remote (${facts.remoteLogging.join(', ')})` : 'logging stays on the host')
  }
  if (c.images) {
    const globs = c.images
    const image = facts.image
    if (image === undefined || !some(imageCandidates(image), (i) => anyGlob(globs, i))) return no(why, `image ${image ?? '(none)'} matches no images glob`)
  }
  return true
}

export function volumeHolds(c: VolumeCondition, req: PreparedRequest, lenient: boolean, env: EvalEnv, why: Why): boolean {
  if (endpointOf(req) !== 'volume-create') return no(why, 'volume conditions hold only on POST /volumes/create')
  const facts = volumeFacts(req)
  if (!facts) return lenient || no(why, 'the volume create request has no JSON body (no evidence)')
  if (c.drivers && !anyGlob(c.drivers, facts.driver)) return no(why, `driver ${facts.driver} matches no drivers glob`)
  if (c.hostMounts && !mountsHold(c.hostMounts, facts.hostMounts, lenient, env)) {
    return no(why, `volume host mounts [${facts.hostMounts.join(', ')}] do not match host_mounts`)
  }
  return true
}

/**
 * `host_mounts` over the mounted host paths. A bind exposes its whole subtree, so for a deny
 * (lenient) a mount also matches when it is an ancestor of what a glob protects (`/var` exposes
 * `/var/lib/docker/**`); for an allow every mount, as written and as resolved, must match.
 */
function mountsHold(globs: CheckedGlob[], mounts: string[], lenient: boolean, env: EvalEnv): boolean {
  const some = quantifier(lenient)
  const matches = (p: string): boolean => anyGlob(globs, p) || (lenient && globs.some((g) => isAncestor(p, literalPrefix(g.effective ?? g.glob))))
  return some(mounts, (m) => some(candidates(m, env), matches))
}

/** The literal directory a path glob starts with: `/var/lib/docker/**` → `/var/lib/docker`. */
function literalPrefix(glob: string): string {
  const segments = glob.split('/')
  const literal: string[] = []
  for (const seg of segments.slice(1)) {
    if (/[*?[\]{}()!+@\\]/.test(seg)) break
    literal.push(seg)
  }
  return `/${literal.join('/')}`
}

/** `/var` is an ancestor of `/var/lib/docker`; `/` of everything; a path is not its own ancestor. */
function isAncestor(dir: string, of: string): boolean {
  if (dir === of) return false
  return dir === '/' || of.startsWith(`${dir}/`)
}

/**
 * How a list condition holds over the request's values: for a deny (lenient) when any value
 * matches; for an allow (strict) only when there are values and every one of them matches, so that
 * an allow-list of mounts or capabilities cannot carry an unlisted one along.
 */
function quantifier(lenient: boolean): <T>(values: T[], test: (v: T) => boolean) => boolean {
  return (values, test) => (lenient ? values.some(test) : values.length > 0 && values.every(test))
}

/**
 * An image reference and, when its registry host has upper-case letters, the same reference with
 * the host lower-cased: DNS does not care, so `EVIL.com/x` is `evil.com/x` to the daemon's pull.
 */
function imageCandidates(image: string): string[] {
  const slash = image.indexOf('/')
  if (slash < 0) return [image]
  const host = image.slice(0, slash)
  const lower = host.toLowerCase()
  return lower === host ? [image] : [image, lower + image.slice(slash)]
}

/** A host path as written (cleaned) and, where it exists on this host, as the kernel resolves it. */
function candidates(path: string, env: EvalEnv): string[] {
  return env.realpath ? hostPathCandidates(path, env.realpath) : [path]
}

function anyGlob(globs: CheckedGlob[], subject: string): boolean {
  return globs.some((g) => g.test(subject))
}

function no(why: Why, reason: string): false {
  why?.push(reason)
  return false
}

function memo<T>(req: PreparedRequest, key: string, make: () => T): T {
  if (req.memo.has(key)) return req.memo.get(key) as T
  const value = make()
  req.memo.set(key, value)
  return value
}
