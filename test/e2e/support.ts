/**
 * Small shared pieces of the end-to-end tests: what the docker CLIs print for a daemon error, and
 * assertions on the plugin's decision log.
 */
import assert from 'node:assert/strict'
import type { Decision, DockerCli, Portcullis, ProcessResult } from '../helpers/dockerd.js'

/** A policy file the tests write: a deny rule on a query parameter (for form-body attempts). */
export const RESERVED_CONTAINER_NAMES = {
  '90-e2e.yaml': `# Written by the end-to-end test: a rule on a query parameter.
rules:
  - id: e2e-reserved-container-names
    effect: deny
    match:
      methods: [POST]
      paths: ["/containers/*/rename"]
      query: {name: "forbidden-*"}
    message: container names starting with forbidden- are reserved
`,
}

/** A name fragment per CLI, for container and volume names. */
export function tag(cli: DockerCli): string {
  return cli.label.replace(/\W/g, '')
}

/**
 * stderr of `docker run`/`docker create` when the daemon answers with an error. The 20.10 CLI adds
 * a full stop and a `See` line; the 28.x one a blank line and a `Run` line. Both exit with 125.
 */
export function runErrorText(cli: DockerCli, command: 'run' | 'create', message: string): string {
  return cli.label === '20.10'
    ? `docker: Error response from daemon: ${message}.\nSee 'docker ${command} --help'.\n`
    : `docker: Error response from daemon: ${message}\n\nRun 'docker ${command} --help' for more information\n`
}

/** stderr of the other commands when the daemon answers with an error (exit code 1). */
export function errorText(message: string): string {
  return `Error response from daemon: ${message}\n`
}

export function assertExit(r: ProcessResult, code: number, what: string): void {
  assert.equal(r.code, code, `${what}: exit ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`)
}

/**
 * Waits for the request-phase decision on `method` + a URI matching `uri` logged after `since`,
 * and checks what was decided.
 */
export async function assertDecision(plugin: Portcullis, since: number, want: { method: string; uri: RegExp; allow: boolean; rule: string | null; user?: string | null; phase?: 'request' | 'response' }): Promise<Decision> {
  const phase = want.phase ?? 'request'
  const d = await plugin.decision(since, (x) => x.phase === phase && x.method === want.method && want.uri.test(x.uri), `${phase} ${want.method} ${want.uri}`)
  assert.deepEqual({ allow: d.allow, rule: d.rule }, { allow: want.allow, rule: want.rule }, `decision on ${d.method} ${d.uri}`)
  if (want.user !== undefined) assert.equal(d.user, want.user)
  return d
}

/**
 * Nothing dockerd sent made Portcullis answer with an error (HTTP 500 {"Err"}): its authz module
 * logged no warning or error (pino levels 40 and up).
 */
export function assertNoPluginErrors(plugin: Portcullis): void {
  const problems = plugin.lines.filter((l) => l.module === 'authz' && typeof l.level === 'number' && l.level >= 40)
  assert.deepEqual(problems, [])
}
