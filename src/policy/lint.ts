/**
 * Sets that would lock everyone out of the daemon, found by evaluating probe requests:
 * `/_ping` denied (clients cannot even negotiate the API version), or every everyday request denied
 * to anonymous callers while no rule could admit a named user (dockerd only names users who
 * present TLS client certificates, so on a default install every caller is anonymous).
 */
import type { CompiledPolicySet } from './compile.js'
import { evaluate } from './evaluate.js'
import { ROUTE_TABLE } from '../dockerd/routes.js'
import type { RequestInput } from './types.js'

const PROBES: RequestInput[] = [
  { method: 'GET', uri: '/v1.41/version' },
  { method: 'GET', uri: '/v1.41/info' },
  { method: 'GET', uri: '/v1.41/containers/json' },
  { method: 'GET', uri: '/v1.41/images/json' },
  { method: 'POST', uri: '/v1.41/containers/create', body: new TextEncoder().encode('{"Image":"busybox"}') },
]

export function lockoutWarnings(set: CompiledPolicySet): string[] {
  const warnings: string[] = []
  for (const method of ['GET', 'HEAD']) {
    const d = evaluate(set, { method, uri: '/_ping' }, 'request')
    if (!d.allow) {
      warnings.push(`${method} /_ping is denied to anonymous callers (${d.message}); docker clients cannot negotiate the API version — allow /_ping for everyone`)
    }
  }
  const anonymousDenied = PROBES.every((p) => !evaluate(set, p, 'request').allow)
  const admitsNamed = set.rules.some((r) => r.effect === 'allow' && r.phase === 'request' && (r.match?.users || r.match?.groups))
  if (anonymousDenied && !admitsNamed && set.settings.default === 'deny') {
    warnings.push('every everyday request (version, info, ps, images, create) is denied to anonymous callers, and no allow rule names users or groups: this set locks everyone out')
  }
  return warnings
}

/**
 * Route prefixes whose next segment is a variable that takes `/` in dockerd's router
 * (`/containers/{name:.*}/…`, `/networks/{id:.+}`), from the route table.
 */
// Exec IDs are hex: a glob `/exec/*/start` misses nothing.
const NAME_PREFIXES = [...new Set(ROUTE_TABLE.filter((r) => r.names !== 'exec').flatMap((r) => /^\/([a-z]+)\/\{[^}:]+:\.[*+]\}/.exec(r.template)?.[1] ?? []))]
const NAME_ROUTES = new RegExp(`^/(${NAME_PREFIXES.join('|')})/\\*(/|$)`)

/** Everything `check` warns about (the set is valid, but probably not what was meant). */
export function policyWarnings(set: CompiledPolicySet): string[] {
  return [...lockoutWarnings(set), ...dataRootWarnings(set), ...nameGlobWarnings(set), ...quotedValueWarnings(set)]
}

/** Docker's default data root: whoever binds it reads every container's files and secrets. */
const DATA_ROOT = '/var/lib/docker'

/**
 * A set that lets an anonymous caller bind Docker's data root into a container protects none:
 * every other rule can be side-stepped from there. (`portcullis doctor` checks the daemon's
 * actual data root, exec root and sockets.)
 */
function dataRootWarnings(set: CompiledPolicySet): string[] {
  const body = new TextEncoder().encode(JSON.stringify({ Image: 'busybox', HostConfig: { Binds: [`${DATA_ROOT}:/x`] } }))
  const d = evaluate(set, { method: 'POST', uri: '/v1.41/containers/create', body }, 'request')
  if (!d.allow) return []
  return [`an anonymous caller may bind ${DATA_ROOT} (Docker's data root) into a container: the set protects no Docker data root; deny host_mounts of it (and of the daemon's data root, exec root and API socket if they were moved) for everyone but admins`]
}

/**
 * Path globs that miss names containing `/`: dockerd's routes take `{name:.*}`, so an image name
 * (`library/busybox`) or a container name made by a legacy link alias (`web/db`) spans several
 * segments, where `*` matches one.
 */
function nameGlobWarnings(set: CompiledPolicySet): string[] {
  const out: string[] = []
  for (const rule of set.rules) {
    for (const p of [...(rule.match?.paths ?? []), ...(rule.unless?.paths ?? [])]) {
      const m = NAME_ROUTES.exec(p.glob)
      if (m && m[2] === '/') {
        const example = m[1] === 'images' || m[1] === 'distribution' ? 'image names such as library/busybox' : m[1] === 'containers' ? 'container names made by link aliases, such as web/db' : 'names with "/"'
        out.push(`${rule.source.file}:${rule.source.line}: rule ${rule.id}: path ${JSON.stringify(p.glob)} misses ${example}: dockerd's routes take any name there, and "*" stays inside one segment; write ${JSON.stringify(p.glob.replace('/*/', '/**/'))}`)
      }
    }
  }
  return out
}

/** A string that looks like a boolean or a number never equals the JSON boolean or number. */
function quotedValueWarnings(set: CompiledPolicySet): string[] {
  const out: string[] = []
  for (const rule of set.rules) {
    for (const b of [...(rule.match?.body ?? []), ...(rule.unless?.body ?? [])]) {
      if (b.expect.kind !== 'values') continue
      for (const v of b.expect.values) {
        if (typeof v === 'string' && /^(true|false|-?\d+(\.\d+)?)$/.test(v)) {
          out.push(`${rule.source.file}:${rule.source.line}: rule ${rule.id}: body ${b.key} expects the string ${JSON.stringify(v)}, which never equals a JSON ${/^(true|false)$/.test(v) ? 'boolean' : 'number'}; write ${v} without quotes if that is what you mean`)
        }
      }
    }
  }
  return out
}
