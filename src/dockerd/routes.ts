/**
 * dockerd 20.10's routes (moby v20.10.24 api/server/router/*, assembled by api/server/server.go
 * createMux with the vendored gorilla/mux v1.8.0), in registration order: the one table every
 * part of Portcullis asks "which endpoint is this request".
 *
 * How dockerd matches (checked live against Debian's docker.io 20.10.24):
 *   - on the percent-decoded, cleaned path (uri.ts: other spellings are redirected before any
 *     handler or plugin runs), anchored at both ends, case-sensitive;
 *   - `{v}` is `[^/]+`, `{v:.*}` anything (`/` included, greedy: `/images/a/push/push` pushes
 *     `a/push`), `{v:.+}` at least one character;
 *   - the first route whose template and method match wins; a path match with another method
 *     does not stop the scan; no match is a 404 that never reaches the plugin;
 *   - every route but `/debug/*` is also registered under `/v{version:[0-9.]+}`; the debug routes
 *     only without a version, and for every method.
 * Each row: method ('*' = any), template, endpoint name, and what its first path variable names.
 */

export type ObjectKind = 'container' | 'image' | 'volume' | 'network' | 'exec' | 'plugin' | 'service' | 'node' | 'task' | 'secret' | 'config'

type RouteSpec = readonly [method: string, template: string, endpoint: string, names?: ObjectKind]

const ROUTES: readonly RouteSpec[] = [
  ['GET', '/containers/{name:.*}/checkpoints', 'container-checkpoint-list', 'container'],
  ['POST', '/containers/{name:.*}/checkpoints', 'container-checkpoint-create', 'container'],
  ['DELETE', '/containers/{name}/checkpoints/{checkpoint}', 'container-checkpoint-delete', 'container'],
  ['HEAD', '/containers/{name:.*}/archive', 'container-archive-head', 'container'],
  ['GET', '/containers/json', 'container-list'],
  ['GET', '/containers/{name:.*}/export', 'container-export', 'container'],
  ['GET', '/containers/{name:.*}/changes', 'container-changes', 'container'],
  ['GET', '/containers/{name:.*}/json', 'container-inspect', 'container'],
  ['GET', '/containers/{name:.*}/top', 'container-top', 'container'],
  ['GET', '/containers/{name:.*}/logs', 'container-logs', 'container'],
  ['GET', '/containers/{name:.*}/stats', 'container-stats', 'container'],
  ['GET', '/containers/{name:.*}/attach/ws', 'container-attach-ws', 'container'],
  ['GET', '/exec/{id:.*}/json', 'exec-inspect', 'exec'],
  ['GET', '/containers/{name:.*}/archive', 'container-archive-get', 'container'],
  ['POST', '/containers/create', 'container-create'],
  ['POST', '/containers/{name:.*}/kill', 'container-kill', 'container'],
  ['POST', '/containers/{name:.*}/pause', 'container-pause', 'container'],
  ['POST', '/containers/{name:.*}/unpause', 'container-unpause', 'container'],
  ['POST', '/containers/{name:.*}/restart', 'container-restart', 'container'],
  ['POST', '/containers/{name:.*}/start', 'container-start', 'container'],
  ['POST', '/containers/{name:.*}/stop', 'container-stop', 'container'],
  ['POST', '/containers/{name:.*}/wait', 'container-wait', 'container'],
  ['POST', '/containers/{name:.*}/resize', 'container-resize', 'container'],
  ['POST', '/containers/{name:.*}/attach', 'container-attach', 'container'],
  ['POST', '/containers/{name:.*}/copy', 'container-copy', 'container'],
  ['POST', '/containers/{name:.*}/exec', 'container-exec-create', 'container'],
  ['POST', '/exec/{name:.*}/start', 'exec-start', 'exec'],
  ['POST', '/exec/{name:.*}/resize', 'exec-resize', 'exec'],
  ['POST', '/containers/{name:.*}/rename', 'container-rename', 'container'],
  ['POST', '/containers/{name:.*}/update', 'container-update', 'container'],
  ['POST', '/containers/prune', 'container-prune'],
  ['POST', '/commit', 'container-commit'],
  ['PUT', '/containers/{name:.*}/archive', 'container-archive-put', 'container'],
  ['DELETE', '/containers/{name:.*}', 'container-delete', 'container'],
  ['GET', '/images/json', 'image-list'],
  ['GET', '/images/search', 'image-search'],
  ['GET', '/images/get', 'image-get-all'],
  ['GET', '/images/{name:.*}/get', 'image-get', 'image'],
  ['GET', '/images/{name:.*}/history', 'image-history', 'image'],
  ['GET', '/images/{name:.*}/json', 'image-inspect', 'image'],
  ['POST', '/images/load', 'image-load'],
  ['POST', '/images/create', 'image-create'],
  ['POST', '/images/{name:.*}/push', 'image-push', 'image'],
  ['POST', '/images/{name:.*}/tag', 'image-tag', 'image'],
  ['POST', '/images/prune', 'image-prune'],
  ['DELETE', '/images/{name:.*}', 'image-delete', 'image'],
  ['OPTIONS', '/{anyroute:.*}', 'options'],
  ['GET', '/_ping', 'system-ping'],
  ['HEAD', '/_ping', 'system-ping-head'],
  ['GET', '/events', 'system-events'],
  ['GET', '/info', 'system-info'],
  ['GET', '/version', 'system-version'],
  ['GET', '/system/df', 'system-df'],
  ['POST', '/auth', 'system-auth'],
  ['GET', '/volumes', 'volume-list'],
  ['GET', '/volumes/{name:.*}', 'volume-inspect', 'volume'],
  ['POST', '/volumes/create', 'volume-create'],
  ['POST', '/volumes/prune', 'volume-prune'],
  ['DELETE', '/volumes/{name:.*}', 'volume-delete', 'volume'],
  ['POST', '/build', 'image-build'],
  ['POST', '/build/prune', 'build-prune'],
  ['POST', '/build/cancel', 'build-cancel'],
  ['POST', '/session', 'session'],
  ['POST', '/swarm/init', 'swarm-init'],
  ['POST', '/swarm/join', 'swarm-join'],
  ['POST', '/swarm/leave', 'swarm-leave'],
  ['GET', '/swarm', 'swarm-inspect'],
  ['GET', '/swarm/unlockkey', 'swarm-unlockkey'],
  ['POST', '/swarm/update', 'swarm-update'],
  ['POST', '/swarm/unlock', 'swarm-unlock'],
  ['GET', '/services', 'service-list'],
  ['GET', '/services/{id}', 'service-inspect', 'service'],
  ['POST', '/services/create', 'service-create'],
  ['POST', '/services/{id}/update', 'service-update', 'service'],
  ['DELETE', '/services/{id}', 'service-delete', 'service'],
  ['GET', '/services/{id}/logs', 'service-logs', 'service'],
  ['GET', '/nodes', 'node-list'],
  ['GET', '/nodes/{id}', 'node-inspect', 'node'],
  ['DELETE', '/nodes/{id}', 'node-delete', 'node'],
  ['POST', '/nodes/{id}/update', 'node-update', 'node'],
  ['GET', '/tasks', 'task-list'],
  ['GET', '/tasks/{id}', 'task-inspect', 'task'],
  ['GET', '/tasks/{id}/logs', 'task-logs', 'task'],
  ['GET', '/secrets', 'secret-list'],
  ['POST', '/secrets/create', 'secret-create'],
  ['DELETE', '/secrets/{id}', 'secret-delete', 'secret'],
  ['GET', '/secrets/{id}', 'secret-inspect', 'secret'],
  ['POST', '/secrets/{id}/update', 'secret-update', 'secret'],
  ['GET', '/configs', 'config-list'],
  ['POST', '/configs/create', 'config-create'],
  ['DELETE', '/configs/{id}', 'config-delete', 'config'],
  ['GET', '/configs/{id}', 'config-inspect', 'config'],
  ['POST', '/configs/{id}/update', 'config-update', 'config'],
  ['GET', '/plugins', 'plugin-list'],
  ['GET', '/plugins/{name:.*}/json', 'plugin-inspect', 'plugin'],
  ['GET', '/plugins/privileges', 'plugin-privileges'],
  ['DELETE', '/plugins/{name:.*}', 'plugin-delete', 'plugin'],
  ['POST', '/plugins/{name:.*}/enable', 'plugin-enable', 'plugin'],
  ['POST', '/plugins/{name:.*}/disable', 'plugin-disable', 'plugin'],
  ['POST', '/plugins/pull', 'plugin-pull'],
  ['POST', '/plugins/{name:.*}/push', 'plugin-push', 'plugin'],
  ['POST', '/plugins/{name:.*}/upgrade', 'plugin-upgrade', 'plugin'],
  ['POST', '/plugins/{name:.*}/set', 'plugin-set', 'plugin'],
  ['POST', '/plugins/create', 'plugin-create'],
  ['GET', '/distribution/{name:.*}/json', 'distribution-inspect', 'image'],
  ['POST', '/grpc', 'grpc'],
  ['GET', '/networks', 'network-list'],
  ['GET', '/networks/', 'network-list'],
  ['GET', '/networks/{id:.+}', 'network-inspect', 'network'],
  ['POST', '/networks/create', 'network-create'],
  ['POST', '/networks/{id:.*}/connect', 'network-connect', 'network'],
  ['POST', '/networks/{id:.*}/disconnect', 'network-disconnect', 'network'],
  ['POST', '/networks/prune', 'network-prune'],
  ['DELETE', '/networks/{id:.*}', 'network-delete', 'network'],
  ['*', '/debug/vars', 'debug-vars'],
  ['*', '/debug/pprof/', 'debug-pprof-index'],
  ['*', '/debug/pprof/cmdline', 'debug-pprof-cmdline'],
  ['*', '/debug/pprof/profile', 'debug-pprof-profile'],
  ['*', '/debug/pprof/symbol', 'debug-pprof-symbol'],
  ['*', '/debug/pprof/trace', 'debug-pprof-trace'],
  ['*', '/debug/pprof/{name}', 'debug-pprof-named'],
]

export interface Route {
  method: string
  template: string
  endpoint: string
  /** What the path's first variable names, if anything. */
  names: ObjectKind | undefined
  /** Whether dockerd also routes it under a `/v1.xx` prefix. */
  versioned: boolean
  pattern: RegExp
}

/** gorilla/mux: `{v}` → `[^/]+`, `{v:re}` → `re`, literal text quoted, anchored. */
function compile(template: string): RegExp {
  let source = ''
  let last = 0
  for (const m of template.matchAll(/\{([^}:]+)(?::([^}]*))?\}/g)) {
    source += escapeRegExp(template.slice(last, m.index)) + `(${m[2] ?? '[^/]+'})`
    last = (m.index ?? 0) + m[0].length
  }
  source += escapeRegExp(template.slice(last))
  // No `s` flag: Go's `.` does not match a newline either (uri.ts rejects control characters anyway).
  return new RegExp(`^${source}$`)
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

export const ROUTE_TABLE: readonly Route[] = ROUTES.map(([method, template, endpoint, names]) => ({
  method, template, endpoint, names, versioned: !template.startsWith('/debug/'), pattern: compile(template),
}))

export interface RouteMatch {
  route: Route
  /** The value of the path's first variable (a container name, an image name, …). */
  name: string | undefined
}

/**
 * The route dockerd runs for a method and a normalised path (uri.ts); `versioned` when the
 * request had an API version prefix. undefined: dockerd answers 404 without asking the plugin.
 */
export function routeOf(method: string, path: string, versioned: boolean): RouteMatch | undefined {
  for (const route of ROUTE_TABLE) {
    if (route.method !== '*' && route.method !== method) continue
    if (versioned && !route.versioned) continue
    const m = route.pattern.exec(path)
    if (m) return { route, name: m[1] }
  }
  return undefined
}

/** The endpoint names of the table, for policies that name endpoints. */
export const ENDPOINTS: ReadonlySet<string> = new Set(ROUTES.map((r) => r[2]))

/** The method of each endpoint ('*' for the debug routes). */
export function methodsOf(endpoints: readonly string[]): string[] {
  return [...new Set(ROUTE_TABLE.filter((r) => endpoints.includes(r.endpoint)).map((r) => r.method))]
}
