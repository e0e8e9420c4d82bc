/**
 * Where a request makes dockerd connect on the caller's behalf (policy-language.md §16), read
 * per endpoint as dockerd 20.10 reads it. dockerd is root in the host's network namespace: what
 * it fetches lands in an image or an error message the caller reads.
 *
 * | endpoint | destination |
 * |---|---|
 * | POST /build?remote= | an HTTP(S) URL's host, a Git URL's host (`git@host:…`, `git://host/…`, `github.com/…`); `client-session` is none |
 * | POST /images/create?fromImage= | the reference's registry (none = Docker Hub) |
 * | POST /images/create?fromSrc= | the URL's host (`http://` is prepended without `://`); `-` is the body |
 * | POST /images/{name}/push, GET /distribution/{name}/json | the name's registry |
 * | GET /images/search?term= | the first segment when it has `.` or `:` or is `localhost`, else Docker Hub |
 * | POST /plugins/pull, GET /plugins/privileges, POST /plugins/{name}/upgrade (`remote=`), POST /plugins/{name}/push | the reference's registry |
 * | container create, pre-1.24 start | the log driver's addresses (logging.ts) |
 *
 * Hosts are read the way Go's `net/url` reads them (src/go/url.ts; not the WHATWG URL parser, which
 * reads `http://a\@127.0.0.1/` as host `a`). A destination that cannot be read — an unknown scheme, an opaque URL, an
 * invalid host or reference — is `unreadable`, which the outbound condition treats as local.
 */
import { GoURLError, parseGoURL } from '../../go/url.js'
import type { GoURL } from '../../go/url.js'
import { registryOf } from './image-ref.js'
import { checkListSize } from '../limits.js'

export type Destination =
  /** A host name or IP literal (lower-cased, no port, no brackets). */
  | { host: string }
  /** A Unix socket on the host. */
  | { socket: string }
  /** Something Portcullis cannot read: local, as far as the outbound condition is concerned. */
  | { unreadable: string }

/** Docker Hub, which `outbound` never counts as local. */
export const DOCKER_HUB = 'docker.io'

/** The routes (routes.ts) whose query or path names a destination. */
export const DESTINATION_ROUTES = [
  'image-build', 'image-create', 'image-push', 'distribution-inspect', 'image-search', 'plugin-pull', 'plugin-privileges', 'plugin-upgrade', 'plugin-push',
] as const

/**
 * The destinations a request to one of DESTINATION_ROUTES names, from its path variable (`name`)
 * and query. Repeated parameters: dockerd reads the first value, a deny rule must see any, so all
 * count.
 */
export function requestDestinations(endpoint: string, name: string | undefined, query: ReadonlyMap<string, readonly string[]>): Destination[] {
  const values = (key: string): readonly string[] => {
    const v = query.get(key) ?? []
    checkListSize(`the query parameter ${key}`, v.length)
    return v
  }
  switch (endpoint) {
    case 'image-build':
      return values('remote').flatMap(buildRemote)
    case 'image-create': {
      const images = values('fromImage').filter((v) => v !== '')
      // A non-empty fromImage is a pull, and fromSrc is then ignored.
      if (images.length > 0) return images.map((i) => registry(i.replace(/:$/, '')))
      return values('fromSrc').filter((v) => v !== '-' && v !== '').map((v) => urlHost(v.includes('://') ? v : `http://${v}`, ['http', 'https']))
    }
    case 'image-push':
    case 'distribution-inspect':
    case 'plugin-push':
      return [registry(name ?? '')]
    case 'image-search':
      return values('term').map(searchHost)
    case 'plugin-pull':
    case 'plugin-privileges':
    case 'plugin-upgrade':
      return values('remote').map(registry)
    default:
      return []
  }
}

function registry(ref: string): Destination {
  const host = registryOf(ref)
  return host === undefined ? { unreadable: `the reference ${JSON.stringify(ref)}` } : { host }
}

/** registry/service.go splitReposSearchTerm: no grammar check on the host. */
function searchHost(term: string): Destination {
  const slash = term.indexOf('/')
  if (slash <= 0) return { host: DOCKER_HUB }
  const first = term.slice(0, slash)
  if (!/[.:]/.test(first) && first !== 'localhost') return { host: DOCKER_HUB }
  return hostOf(first.replace(/:[0-9]*$/, ''), term)
}

/**
 * `remote` of a build: a Git URL (classic `urlutil.IsGitURL`: `git://`, `git@`, `github.com/`, or
 * http(s) ending in `.git`) or an HTTP(S) URL; `client-session` and empty mean the body or a
 * BuildKit session.
 */
function buildRemote(remote: string): Destination[] {
  if (remote === '' || remote === 'client-session') return []
  if (remote.startsWith('github.com/')) return [{ host: 'github.com' }]
  if (remote.startsWith('git@')) {
    // scp-like: git@host:path (ssh, as root, with root's keys).
    const m = /^git@([^:/]*):/.exec(remote)
    return [m ? hostOf(m[1] as string, remote) : { unreadable: `the Git URL ${JSON.stringify(remote)}` }]
  }
  return [urlHost(remote, ['http', 'https', 'git'])]
}

/** The host of a URL as Go's `url.Parse` finds it (src/go/url.ts), without brackets or port. */
export function urlHost(raw: string, schemes: readonly string[]): Destination {
  let url: GoURL
  try {
    url = parseGoURL(raw)
  } catch (e) {
    if (e instanceof GoURLError) return { unreadable: `${JSON.stringify(raw)} (${e.message})` }
    throw e
  }
  if (!schemes.includes(url.scheme)) return { unreadable: `${JSON.stringify(raw)} (scheme ${url.scheme || 'none'})` }
  const hostPort = url.host
  const host = hostPort.startsWith('[') ? hostPort.slice(1, hostPort.indexOf(']')) : hostPort.replace(/:[0-9]*$/, '')
  if (host === '') return { unreadable: `${JSON.stringify(raw)} (no host)` }
  return hostOf(host, raw)
}

/** A host as written: zone removed, lower-cased, checked. */
function hostOf(written: string, raw: string): Destination {
  const host = written.replace(/%.*$/, '').toLowerCase()
  if (host === '' || !/^[a-z0-9._:-]+$/.test(host)) return { unreadable: `${JSON.stringify(raw)} (host ${JSON.stringify(host)})` }
  return { host }
}

/** Log driver addresses (HostConfig.LogConfig), by driver; see logging.ts for which drivers are remote. */
export function logDestinations(driver: string, config: ReadonlyMap<string, string>): Destination[] {
  const opt = (k: string): string => config.get(k) ?? ''
  const transport = (address: string, defaultHost: string): Destination => {
    if (address === '') return { host: defaultHost }
    const scheme = /^([a-z+]+):\/\//.exec(address)?.[1]
    if (scheme === 'unix' || scheme === 'unixgram') return { socket: address.slice(scheme.length + 3) }
    return urlHost(address, ['tcp', 'udp', 'tcp+tls'])
  }
  const out: Destination[] = []
  switch (driver) {
    case 'json-file': case 'local': case 'journald': case 'none':
      return []
    case 'syslog':
      out.push(opt('syslog-address') === '' ? { socket: '/dev/log' } : transport(opt('syslog-address'), ''))
      break
    case 'gelf':
      out.push(opt('gelf-address') === '' ? { unreadable: 'gelf without gelf-address' } : transport(opt('gelf-address'), ''))
      break
    case 'fluentd': {
      // fluentd-address: a scheme is optional; without a port the host is dropped and the
      // default, 127.0.0.1:24224, is dialled (fluentd.go parseAddress + fluent-logger).
      const a = opt('fluentd-address')
      const scheme = /^([a-z+]+):\/\//.exec(a)?.[1]
      if (scheme === 'unix' || scheme === 'unixgram') {
        out.push({ socket: a.slice(scheme.length + 3) })
        break
      }
      const hostPort = scheme === undefined ? a : (a.slice(scheme.length + 3).split('/')[0] as string)
      out.push(/:[0-9]+$/.test(hostPort) ? urlHost(`tcp://${hostPort}`, ['tcp']) : { host: '127.0.0.1' })
      break
    }
    case 'splunk':
      out.push(opt('splunk-url') === '' ? { unreadable: 'splunk without splunk-url' } : urlHost(opt('splunk-url'), ['http', 'https']))
      break
    case 'logentries':
      out.push({ host: 'data.logentries.com' })
      break
    case '':
      // The daemon's default driver: whatever address options were given.
      for (const [key, d] of [['syslog-address', 'syslog'], ['gelf-address', 'gelf'], ['fluentd-address', 'fluentd'], ['splunk-url', 'splunk']] as const) {
        if (config.has(key)) out.push(...logDestinations(d, new Map([[key, opt(key)]])))
      }
      break
    default:
      // awslogs and gcplogs reach the instance metadata service (link-local) for credentials or
      // regions; other names are log plugins.
      out.push({ unreadable: `log driver ${JSON.stringify(driver)}` })
  }
  return out
}
