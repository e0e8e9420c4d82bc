/**
 * Sets that would lock everyone out of the daemon, found by evaluating probe requests:
 * `/_ping` denied (clients cannot even negotiate the API version), or every everyday request denied
 * to anonymous callers while no rule could admit a named user (dockerd only names users who
 * present TLS client certificates, so on a default install every caller is anonymous).
 */
import type { CompiledPolicySet } from './compile.js'
import { evaluate } from './evaluate.js'
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

/** Route prefixes whose next segment is a `{name:.*}` variable in dockerd's router. */
const NAME_ROUTES = /^\/(containers|images|volumes|networks|plugins|distribution)\/\*(\/|$)/

/**
 * Path globs that miss names containing `/`: dockerd's routes take `{name:.*}`, so an image name
 * (`library/busybox`) or a container name made by a legacy link alias (`web/db`) spans several
 * segments, where `*` matches one.
 */
export function globWarnings(set: CompiledPolicySet): string[] {
  const out: string[] = []
  for (const rule of set.rules) {
    for (const p of [...(rule.match?.paths ?? []), ...(rule.unless?.paths ?? [])]) {
      const m = NAME_ROUTES.exec(p.glob)
      if (m && m[2] === '/') {
        out.push(`${rule.source.file}:${rule.source.line}: rule ${rule.id}: path ${JSON.stringify(p.glob)} misses ${m[1]} names with "/" (dockerd's routes take any name: image names like library/busybox, container link aliases); write ${JSON.stringify(p.glob.replace('/*/', '/**/'))}`)
      }
    }
  }
  return out
}
