/**
 * `match.container` (policy-language.md §9): what a container create, an exec create or a pre-1.24
 * start body makes dockerd do, read by src/dockerd/readers/container.ts.
 */
import { CAPABILITIES, NAMESPACES, normalizeCapability, normalizeSecurityOpt } from '../../dockerd/names.js'
import type { Namespace } from '../../dockerd/names.js'
import { readContainerCreate, readExecCreate, readLegacyStart } from '../../dockerd/readers/index.js'
import type { ContainerFacts } from '../../dockerd/readers/index.js'
import type { PreparedRequest } from '../../dockerd/request.js'
import { versionLess } from '../../dockerd/versions.js'
import { describe, join } from '../checker.js'
import type { CheckedGlob } from '../checked.js'
import { closest } from '../did-you-mean.js'
import { compileFlatGlob } from '../globs.js'
import { anyGlob, no, quantifier } from './family.js'
import type { ConditionFamily } from './family.js'
import { hostCandidates, mountsHold } from './host-mounts.js'

export interface ContainerCondition {
  privileged?: boolean
  hostMounts?: CheckedGlob[]
  /** Upper-case, without `CAP_`. */
  capabilities?: string[]
  hostNamespaces?: Namespace[]
  devices?: boolean | CheckedGlob[]
  securityOpts?: CheckedGlob[]
  images?: CheckedGlob[]
  joinsContainers?: boolean
  remoteLogging?: boolean
}

/** dockerd applies a start body as the host configuration only below API 1.24 (container_routes.go). */
function isLegacyStart(req: PreparedRequest): boolean {
  return req.version !== null && versionLess(req.version, '1.24')
}

export const container: ConditionFamily<ContainerCondition, ContainerFacts> = {
  key: 'container',
  keys: ['privileged', 'host_mounts', 'capabilities', 'host_namespaces', 'devices', 'security_opts', 'images', 'joins_containers', 'remote_logging'],
  emptyHint: 'privileged, host_mounts, capabilities, …',
  endpoints: ['container-create', 'container-exec-create', 'container-start'],
  where: 'container create, exec create and a pre-1.24 start',

  check(c, path, m, t) {
    const out: ContainerCondition = {}
    const track = t.track
    if (m.privileged !== undefined) out.privileged = track(c.boolean(join(path, 'privileged'), m.privileged, 'privileged'))
    if (m.host_mounts !== undefined) out.hostMounts = track(c.hostMountGlobs(join(path, 'host_mounts'), m.host_mounts))
    if (m.capabilities !== undefined) {
      out.capabilities = track(c.list(join(path, 'capabilities'), m.capabilities, 'capabilities', '[SYS_ADMIN]', (p, v) => {
        const s = c.string(p, v, 'a capability')
        if (s === undefined) return undefined
        const name = normalizeCapability(s)
        if (name === 'ALL' || CAPABILITIES.includes(name)) return name
        const near = closest(name, CAPABILITIES)
        c.at(p, 'value', 'E_POLICY_BAD_VALUE', `unknown capability ${JSON.stringify(s)}${near ? `; did you mean "${near}"?` : ''} (write names like SYS_ADMIN, or ALL)`)
        return undefined
      }))
    }
    if (m.host_namespaces !== undefined) {
      out.hostNamespaces = track(c.list(join(path, 'host_namespaces'), m.host_namespaces, 'host_namespaces', '[network, pid]', (p, v) => {
        const s = c.string(p, v, 'a namespace')
        if (s === undefined) return undefined
        if ((NAMESPACES as readonly string[]).includes(s)) return s as Namespace
        c.at(p, 'value', 'E_POLICY_BAD_VALUE', `unknown namespace ${JSON.stringify(s)}; use ${NAMESPACES.join(', ')}`)
        return undefined
      }))
    }
    if (m.devices !== undefined) {
      const d = m.devices
      if (typeof d === 'boolean') out.devices = d
      else if (Array.isArray(d)) out.devices = track(c.pathGlobs(join(path, 'devices'), d, 'devices', '["/dev/sd*"]'))
      else {
        c.at(join(path, 'devices'), 'value', 'E_POLICY_TYPE', `devices must be true, false or a list of device path globs such as ["/dev/sd*"], not ${describe(d)}`)
        t.fail()
      }
    }
    if (m.security_opts !== undefined) {
      out.securityOpts = track(c.list(join(path, 'security_opts'), m.security_opts, 'security_opts', '["seccomp=unconfined"]', (p, v) => {
        const s = c.string(p, v, 'a security option')
        return s === undefined ? undefined : c.glob(p, normalizeSecurityOpt(s), 'security_opts', (g) => compileFlatGlob(g))
      }))
    }
    if (m.images !== undefined) out.images = track(c.flatGlobs(join(path, 'images'), m.images, 'images', '["registry.example.com/**"]'))
    if (m.joins_containers !== undefined) out.joinsContainers = track(c.boolean(join(path, 'joins_containers'), m.joins_containers, 'joins_containers'))
    if (m.remote_logging !== undefined) out.remoteLogging = track(c.boolean(join(path, 'remote_logging'), m.remote_logging, 'remote_logging'))
    return out
  },

  skip(req) {
    return req.route()?.route.endpoint === 'container-start' && !isLegacyStart(req)
      ? 'container conditions hold only on container create, exec create and a pre-1.24 start'
      : undefined
  },

  meaningless(c, req) {
    const endpoint = req.route()?.route.endpoint
    // Keys with no meaning on this endpoint never hold, with or without evidence.
    if (endpoint === 'container-exec-create' && (c.hostMounts || c.images || c.hostNamespaces || c.devices !== undefined || c.securityOpts || c.joinsContainers !== undefined || c.remoteLogging !== undefined)) {
      return 'exec create carries only privileged and capabilities'
    }
    if (endpoint === 'container-start' && c.images) return 'a start body carries no image'
    return undefined
  },

  read(req) {
    const body = req.body()
    if (body.kind !== 'json') return undefined
    switch (req.route()?.route.endpoint) {
      case 'container-create': return readContainerCreate(body.root)
      case 'container-exec-create': return readExecCreate(body.root)
      default: return readLegacyStart(body.root)
    }
  },

  noEvidence: (req) => `the ${req.route()?.route.endpoint ?? 'container'} request has no JSON body (no evidence)`,

  holds(c, facts, { lenient, env, why }) {
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
        : facts.privileged ? lenient : some(facts.devices.hostPaths, (p) => some(hostCandidates(p, env), (x) => anyGlob(d, x)))
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
  },
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
