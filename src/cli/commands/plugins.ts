/**
 * `portcullis plugins ls|get|call`: find and activate legacy plugins exactly as dockerd does, with no
 * daemon, through the discovery core (src/discovery).
 */
import { readFile } from 'node:fs/promises'
import {
  LocalRegistry, PluginCallError, pluginStoreErrorText, Plugins, type ActivePlugin, type PluginSpec,
} from '../../discovery/index.js'
import { EXIT, parseFlags, UsageError, usageFailure } from '../args.js'
import type { CliIO } from '../io.js'

export const PLUGINS_USAGE = `usage: portcullis plugins ls [--implements IFACE] [--json] [DIRECTORY FLAGS]
       portcullis plugins get NAME [--implements IFACE] [--json] [DIRECTORY FLAGS]
       portcullis plugins call NAME METHOD [--data JSON|@FILE] [DIRECTORY FLAGS]

Finds and activates legacy (v1) plugins exactly as dockerd does, with no daemon.
  ls    every plugin dockerd would see: name, address, where it was found, and after
        activation what it implements, or why it failed (--implements IFACE: only those
        that may implement IFACE)
  get   resolve and activate NAME as "dockerd --authorization-plugin=NAME" would at start
        (--implements defaults to authz); print the manifest and exit 0, or exit 1 with
        dockerd's own error text
  call  activate NAME, POST one call to it (e.g. AuthZPlugin.AuthZReq with a captured
        payload) and print the reply; exit 1 with the error if the call fails

directory flags:
  --socket-dir DIR          socket directory (default /run/docker/plugins)
  --spec-dir DIR            spec directory, repeatable; replaces the defaults
                            (/etc/docker/plugins, /usr/lib/docker/plugins, or the rootless
                            ones when ROOTLESSKIT_STATE_DIR is set)
  --retry-budget SECONDS    lookup and call retry budget (default 30, as dockerd)`

const DIRECTORY_FLAGS = {
  'socket-dir': { type: 'string' },
  'spec-dir': { type: 'string', multiple: true },
  'retry-budget': { type: 'string' },
} as const

const LIST_FLAGS = { ...DIRECTORY_FLAGS, implements: { type: 'string' }, json: { type: 'boolean' } } as const

interface DirectoryValues {
  'socket-dir'?: string
  'spec-dir'?: string[]
  'retry-budget'?: string
}

interface Session {
  registry: LocalRegistry
  plugins: Plugins
}

function openSession(values: DirectoryValues, io: CliIO): Session {
  const budget = values['retry-budget'] ?? '30'
  if (!/^\d+(\.\d+)?$/.test(budget)) throw new UsageError(`--retry-budget: not a number of seconds: ${JSON.stringify(budget)}`)
  const registry = new LocalRegistry({ socketDir: values['socket-dir'], specDirs: values['spec-dir'], env: io.env })
  const plugins = new Plugins({
    registry,
    retryBudgetMs: Math.round(Number(budget) * 1000),
    log: (line) => io.stderr(`warning: ${line}\n`),
  })
  return { registry, plugins }
}

/** Opens a session, runs `fn`, and always closes the plugins' connections so the process can exit. */
async function withSession(values: DirectoryValues, io: CliIO, fn: (session: Session) => Promise<number>): Promise<number> {
  const session = openSession(values, io)
  try {
    return await fn(session)
  } finally {
    session.plugins.close()
  }
}

function printJson(io: CliIO, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`)
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

interface ListRow {
  name: string
  addr?: string
  kind?: PluginSpec['kind']
  path?: string
  implements?: string[]
  error?: string
}

function describe(plugin: ActivePlugin): Required<Omit<ListRow, 'error'>> {
  const { name, addr, kind, path } = plugin.spec
  return { name, addr, kind, path, implements: plugin.manifest.Implements }
}

async function listRow({ registry, plugins }: Session, name: string): Promise<ListRow> {
  let spec: PluginSpec
  try {
    spec = await registry.resolve(name)
  } catch (err) {
    return { name, error: errorText(err) }
  }
  try {
    return describe(await plugins.load(name, { retry: false }))
  } catch (err) {
    return { name, addr: spec.addr, kind: spec.kind, path: spec.path, error: errorText(err) }
  }
}

function printTable(io: CliIO, rows: string[][]): void {
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? []
  for (const row of rows) io.stdout(`${row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ')}\n`)
}

async function runList(args: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(args, LIST_FLAGS)
  return withSession(values, io, async (session) => {
    let names: string[]
    try {
      names = [...new Set(await session.registry.scan())]
    } catch (err) {
      io.stderr(`portcullis: ${errorText(err)}\n`)
      return EXIT.failed
    }
    const iface = values.implements
    const rows = (await Promise.all(names.map((name) => listRow(session, name))))
      .filter((row) => iface === undefined || row.error !== undefined || row.implements?.includes(iface))
    if (values.json) printJson(io, rows)
    else if (rows.length === 0) {
      io.stderr(`no plugins found (socket directory ${session.registry.socketDir}; spec directories ${session.registry.specDirs.join(', ') || 'none'})\n`)
    } else {
      printTable(io, [
        ['NAME', 'ADDRESS', 'FOUND AT', 'IMPLEMENTS'],
        ...rows.map((row) => [row.name, row.addr ?? '-', row.path ?? '-', row.error !== undefined ? `error: ${row.error}` : (row.implements ?? []).join(',')]),
      ])
    }
    return EXIT.ok
  })
}

async function runGet(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(args, LIST_FLAGS, true)
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'plugins get: NAME is required' : 'plugins get: only one NAME')
  const name = positionals[0] as string
  const iface = values.implements ?? 'authz'
  return withSession(values, io, async ({ plugins }) => {
    let plugin: ActivePlugin
    try {
      plugin = await plugins.get(name, iface)
    } catch (err) {
      // dockerd's start-up text: daemon/command/daemon.go wraps the plugin store's error.
      const text = pluginStoreErrorText(name, err)
      io.stderr(`${iface === 'authz' ? `failed to validate authorization plugin: ${text}` : text}\n`)
      return EXIT.failed
    }
    const row = describe(plugin)
    if (values.json) printJson(io, { name: row.name, addr: row.addr, kind: row.kind, path: row.path, manifest: plugin.manifest })
    else io.stdout(`name:       ${row.name}\naddress:    ${row.addr}\nfound at:   ${row.path} (${row.kind})\nimplements: ${row.implements.join(', ')}\n`)
    return EXIT.ok
  })
}

async function readData(data: string | undefined): Promise<unknown> {
  if (data === undefined) return undefined
  let text = data
  if (data.startsWith('@')) {
    try {
      text = await readFile(data.slice(1), 'utf8')
    } catch (err) {
      throw new UsageError(`--data: cannot read ${data.slice(1)}: ${errorText(err)}`)
    }
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new UsageError(`--data: not valid JSON: ${errorText(err)}`)
  }
  // A capture file (test/fixtures/dockerd/*.json) holds the wire payload under `payload`.
  if (typeof value === 'object' && value !== null && 'payload' in value && 'http' in value) return (value as { payload: unknown }).payload
  return value
}

async function runCall(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseFlags(args, { ...DIRECTORY_FLAGS, data: { type: 'string' } }, true)
  if (positionals.length !== 2) throw new UsageError('plugins call: NAME and METHOD are required')
  const [name, method] = positionals as [string, string]
  const payload = await readData(values.data)
  return withSession(values, io, async ({ plugins }) => {
    try {
      const plugin = await plugins.load(name)
      printJson(io, await plugin.client.call(method, payload))
      return EXIT.ok
    } catch (err) {
      const status = err instanceof PluginCallError ? ` (HTTP ${err.status})` : ''
      io.stderr(`${errorText(err)}${status}\n`)
      return EXIT.failed
    }
  })
}

const SUBCOMMANDS: Record<string, (args: string[], io: CliIO) => Promise<number>> = { ls: runList, get: runGet, call: runCall }

export async function runPlugins(args: string[], io: CliIO): Promise<number> {
  const [subcommand, ...rest] = args
  if (subcommand === '--help' || subcommand === '-h' || subcommand === 'help') {
    io.stdout(`${PLUGINS_USAGE}\n`)
    return EXIT.ok
  }
  try {
    const run = subcommand === undefined ? undefined : SUBCOMMANDS[subcommand]
    if (run === undefined) {
      throw new UsageError(subcommand === undefined ? 'plugins: a subcommand is required' : `plugins: unknown subcommand ${JSON.stringify(subcommand)}`)
    }
    return await run(rest, io)
  } catch (err) {
    if (err instanceof UsageError) return usageFailure(io, PLUGINS_USAGE, err.message)
    throw err
  }
}
