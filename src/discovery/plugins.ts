/**
 * moby's plugin store (`plugins.go`): activation by `Plugin.Activate` handshake, the name → plugin
 * storage, handlers per interface, and `Get` / `GetAll` / `Handle`, with moby's concurrency rules:
 * - one handshake per plugin: activation runs under the plugin's lock, so concurrent callers wait
 *   for the one in flight and then see its result;
 * - a failed activation is not cached: the plugin leaves the storage and the next `get` starts
 *   over with a fresh lookup and handshake. QUIRK kept: a caller that was already waiting on the
 *   failed plugin's lock re-attempts the handshake on that (now unstored) object itself;
 * - the lookup is retried until the plugin appears (same backoff and budget as calls); QUIRK kept:
 *   every lookup error is retried, a `.spec` that does not parse included;
 * - a successful handshake is cached for the life of the store (no re-handshake when the plugin
 *   restarts);
 * - handlers run lazily, at the next activation, under the plugin's lock, with one `handlersRun`
 *   flag per plugin: after a later `handle`, ALL handlers of all its interfaces run again.
 */
import { PluginClient } from './client.js'
import { checkPluginName, PluginNotImplementsError, PluginResponseError } from './errors.js'
import { decodeStruct, GoJSONError } from './go-json.js'
import { goDuration } from '../go/text.js'
import { DEFAULT_RETRY_BUDGET_MS, realClock, withRetry, type Clock } from './retry.js'
import type { PluginSpec } from './spec-file.js'

/** What a plugin answers to `Plugin.Activate`. `null` or a missing `Implements` = implements nothing. */
export interface Manifest {
  Implements: string[]
}

export type PluginHandler = (name: string, client: PluginClient) => void | Promise<void>

/** Where plugins are found: `LocalRegistry`, or anything that resolves and scans the same way. */
export interface Registry {
  resolve(name: string): Promise<PluginSpec>
  scan(): Promise<string[]>
}

/** A plugin whose handshake succeeded: what `get`, `load` and `getAll` return. */
export interface ActivePlugin {
  readonly name: string
  readonly addr: string
  readonly spec: PluginSpec
  readonly manifest: Manifest
  readonly client: PluginClient
  implements(iface: string): boolean
  waitActive(): Promise<Error | null>
}

export interface PluginsOptions {
  registry: Registry
  clock?: Clock
  /** Budget of the lookup retry and of every call's retry; default 30 s, as dockerd. */
  retryBudgetMs?: number
  /** Whole-request timeout of the plugins' clients; default none, as for v1 plugins. */
  timeoutMs?: number
  /** Receives moby's warnings and errors (retries, dropped plugins in `getAll`). */
  log?: (line: string) => void
}

/** How a `Plugin` makes its client and runs handlers (the store passes its own). */
export interface PluginHooks {
  newClient(spec: PluginSpec): PluginClient
  runHandlers(plugin: Plugin): Promise<void>
}

const STANDALONE_HOOKS: PluginHooks = {
  newClient: (spec) => new PluginClient(spec.addr, { tlsConfig: spec.tlsConfig }),
  runHandlers: async () => {},
}

const MANIFEST_TYPE = { goName: 'Manifest', fields: { Implements: 'string[]' as const } }

/** Decodes the `Plugin.Activate` reply into a manifest as Go does (non-JSON replies already failed). */
export function decodeManifest(reply: unknown): Manifest {
  try {
    const fields = decodeStruct(reply, MANIFEST_TYPE, 'plugins.Manifest')
    return { Implements: (fields.Implements as string[] | undefined) ?? [] }
  } catch (err) {
    if (err instanceof GoJSONError) throw new PluginResponseError('Plugin.Activate', err.message)
    throw err
  }
}

export class Plugin {
  /** `null` until activated: activated ⇔ manifest !== null. */
  manifest: Manifest | null = null
  /** Set by the handshake (a new one per handshake attempt). */
  client: PluginClient | null = null
  /** moby `handlersRun`. */
  handlersRun = false
  private activateErr: Error | null = null
  private lock: Promise<void> = Promise.resolve()
  private waiters: Array<() => void> = []

  constructor(readonly spec: PluginSpec, private readonly hooks: PluginHooks = STANDALONE_HOOKS) {}

  get name(): string {
    return this.spec.name
  }

  get addr(): string {
    return this.spec.addr
  }

  get activated(): boolean {
    return this.manifest !== null
  }

  implements(iface: string): boolean {
    return this.manifest?.Implements.includes(iface) ?? false
  }

  private async withLock<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.lock
    let release!: () => void
    this.lock = new Promise((resolve) => { release = resolve })
    await previous
    try {
      return await fn()
    } finally {
      release()
    }
  }

  private async handshake(): Promise<void> {
    this.client?.close()
    this.client = this.hooks.newClient(this.spec)
    this.manifest = decodeManifest(await this.client.call('Plugin.Activate'))
  }

  /** moby `activate`: handshake unless activated, run pending handlers, wake the waiters. */
  async activate(): Promise<void> {
    await this.withLock(async () => {
      if (!this.activated) {
        try {
          await this.handshake()
          this.activateErr = null
        } catch (err) {
          this.activateErr = err instanceof Error ? err : new Error(String(err))
        }
      }
      await this.hooks.runHandlers(this)
    })
    for (const wake of this.waiters.splice(0)) wake()
    if (this.activateErr !== null) throw this.activateErr
  }

  /** moby `waitActive`: resolves (never rejects) once activated or failed, with the error or null. */
  async waitActive(): Promise<Error | null> {
    for (;;) {
      const state = await this.withLock(async () => {
        if (this.activated || this.activateErr !== null) return { done: true as const, err: this.activateErr }
        return { done: false as const, woken: new Promise<void>((wake) => this.waiters.push(wake)) }
      })
      if (state.done) return state.err
      await state.woken
    }
  }
}

export class Plugins {
  private readonly registry: Registry
  private readonly clock: Clock
  private readonly retryBudgetMs: number
  private readonly timeoutMs: number
  private readonly log: (line: string) => void
  private readonly storage = new Map<string, Plugin>()
  private readonly handlers = new Map<string, PluginHandler[]>()
  private readonly clients = new Set<PluginClient>()
  private readonly closed = new AbortController()
  private readonly hooks: PluginHooks = {
    newClient: (spec) => this.newClient(spec),
    runHandlers: (plugin) => this.runHandlers(plugin),
  }

  constructor(options: PluginsOptions) {
    this.registry = options.registry
    this.clock = options.clock ?? realClock
    this.retryBudgetMs = options.retryBudgetMs ?? DEFAULT_RETRY_BUDGET_MS
    this.timeoutMs = options.timeoutMs ?? 0
    this.log = options.log ?? (() => {})
  }

  /**
   * moby `Get`: the activated plugin `name` if its manifest lists `iface` (exact, case-sensitive).
   * Errors: `InvalidPluginNameError`, the lookup's last error (`PluginNotFoundError` after the
   * retry budget), the handshake's error, `PluginNotImplementsError` (the plugin stays cached).
   */
  async get(name: string, iface: string): Promise<ActivePlugin> {
    checkPluginName(name)
    const plugin = await this.activePlugin(name, true)
    if ((await plugin.waitActive()) === null && plugin.implements(iface)) return plugin as ActivePlugin
    throw new PluginNotImplementsError(name, iface)
  }

  /**
   * moby's unexported `get`: a stored plugin is (re-)activated, else it is looked up (with retry
   * unless `retry: false`) and activated. No interface check.
   */
  async load(name: string, options: { retry?: boolean } = {}): Promise<ActivePlugin> {
    checkPluginName(name)
    return (await this.activePlugin(name, options.retry ?? true)) as ActivePlugin
  }

  private async activePlugin(name: string, retry: boolean): Promise<Plugin> {
    const stored = this.storage.get(name)
    if (stored === undefined) return this.loadWithRetry(name, retry)
    await stored.activate()
    return stored
  }

  /**
   * moby `LocalRegistry.GetAll`: every scanned name, stored plugins taken as they are (not
   * re-activated, so pending handlers do not run), the others loaded concurrently without lookup
   * retry; failures are dropped (and logged). In scan order; a name listed twice (socket and spec)
   * yields the same plugin twice, as in moby.
   */
  async getAll(iface: string): Promise<ActivePlugin[]> {
    const names = await this.registry.scan()
    const loads = names.map((name) => {
      const stored = this.storage.get(name)
      if (stored !== undefined) return Promise.resolve({ plugin: stored })
      return this.loadWithRetry(name, false).then((plugin) => ({ plugin }), (error: Error) => ({ error }))
    })
    const found: ActivePlugin[] = []
    for (const load of await Promise.all(loads)) {
      if ('error' in load) {
        this.log(load.error.message)
        continue
      }
      if ((await load.plugin.waitActive()) === null && load.plugin.implements(iface)) found.push(load.plugin as ActivePlugin)
    }
    return found
  }

  /**
   * moby `Handle`: registers `fn` for `iface`. It does not run now: it runs at the next activation
   * of each plugin implementing `iface` (a stored, activated one has its `handlersRun` cleared).
   * Handlers run under the plugin's lock: a handler must not `get` its own plugin.
   */
  handle(iface: string, fn: PluginHandler): void {
    this.handlers.set(iface, [...(this.handlers.get(iface) ?? []), fn])
    for (const plugin of this.storage.values()) {
      if (plugin.activated && plugin.implements(iface)) plugin.handlersRun = false
    }
  }

  /** Closes every client's keep-alive connections and stops pending retries. */
  close(): void {
    this.closed.abort()
    for (const client of this.clients) client.close()
    this.clients.clear()
  }

  private newClient(spec: PluginSpec): PluginClient {
    const client = new PluginClient(spec.addr, {
      tlsConfig: spec.tlsConfig, clock: this.clock, retryBudgetMs: this.retryBudgetMs, timeoutMs: this.timeoutMs, log: this.log,
    })
    if (this.closed.signal.aborted) client.close()
    this.clients.add(client)
    return client
  }

  private async runHandlers(plugin: Plugin): Promise<void> {
    if (!plugin.activated || plugin.handlersRun || plugin.client === null) return
    for (const iface of plugin.manifest?.Implements ?? []) {
      for (const handler of [...(this.handlers.get(iface) ?? [])]) await handler(plugin.name, plugin.client)
    }
    plugin.handlersRun = true
  }

  private async loadWithRetry(name: string, retry: boolean): Promise<Plugin> {
    const spec = await withRetry(() => this.registry.resolve(name), {
      clock: this.clock,
      budgetMs: this.retryBudgetMs,
      retry,
      retryable: () => true,
      signal: this.closed.signal,
      onRetry: (_err, ms) => this.log(`Unable to locate plugin: ${name}, retrying in ${goDuration(ms)}`),
    })
    const stored = this.storage.get(name)
    if (stored !== undefined) {
      await stored.activate()
      return stored
    }
    const plugin = new Plugin(spec, this.hooks)
    this.storage.set(name, plugin)
    try {
      await plugin.activate()
    } catch (err) {
      if (this.storage.get(name) === plugin) this.storage.delete(name)
      throw err
    }
    return plugin
  }
}
