/**
 * The typed errors of the discovery client. Messages are dockerd's own texts (moby
 * `pkg/plugins`), so `err.message` can be shown to an operator as dockerd would show it.
 */
import { goQuote } from '../go/text.js'

/** moby `ErrNotFound`: nothing in the socket or spec directories answers to the name. */
export class PluginNotFoundError extends Error {
  override name = 'PluginNotFoundError'
  constructor(readonly pluginName: string) {
    super(`could not find plugin ${pluginName} in v1 plugin registry: plugin not found`)
  }
}

/** moby `ErrNotImplements`: the plugin activated but its manifest lacks the interface. */
export class PluginNotImplementsError extends Error {
  override name = 'PluginNotImplementsError'
  constructor(readonly pluginName: string, readonly iface: string) {
    super(`Plugin does not implement the requested driver: plugin=${goQuote(pluginName)}, requested implementation=${goQuote(iface)}`)
  }
}

/** moby `statusError`: the plugin answered with a status other than 200. */
export class PluginCallError extends Error {
  override name = 'PluginCallError'
  constructor(readonly method: string, readonly status: number, readonly detail: string) {
    super(`${method}: ${detail}`)
  }

  /** moby `IsNotFound`: the plugin answered 404. */
  get isNotFound(): boolean {
    return this.status === 404
  }
}

/**
 * A failure before any HTTP response arrived (dial, TLS, connection dropped): the only kind of
 * failure moby retries. The text is Go's `*url.Error`: `Post "<url>": <cause>`.
 */
export class PluginTransportError extends Error {
  override name = 'PluginTransportError'
  readonly timeout: boolean = false
  constructor(readonly method: string, readonly url: string, readonly detail: string, options?: { cause?: unknown }) {
    super(`Post ${goQuote(url)}: ${detail}`, options)
  }
}

/** A transport failure caused by the client or per-call timeout (Go: `Timeout() == true`). */
export class PluginTimeoutError extends PluginTransportError {
  override name = 'PluginTimeoutError'
  override readonly timeout = true
}

/** A 200 reply whose body is not the JSON expected (moby returns the decoder's error as is). */
export class PluginResponseError extends Error {
  override name = 'PluginResponseError'
  constructor(readonly method: string, message: string) {
    super(message)
  }
}

/**
 * A name the store refuses: moby's `Unable to find plugin without name` for "", and (our
 * deviation, §5.2 TS-ADVICE) names with a `..` path segment or a NUL byte.
 */
export class InvalidPluginNameError extends Error {
  override name = 'InvalidPluginNameError'
  constructor(readonly pluginName: string, message: string) {
    super(message)
  }
}

/**
 * A plugin file that exists but cannot be used: unreadable, a `.spec` whose URL does not parse
 * or has no scheme (`Unknown protocol`), a `.json` that does not decode. moby returns these
 * without falling back to later candidates.
 */
export class PluginSpecError extends Error {
  override name = 'PluginSpecError'
  constructor(readonly path: string, message: string) {
    super(message)
  }
}

/** A client that cannot be built for the address or TLS settings (moby `NewClient` errors). */
export class PluginClientConfigError extends Error {
  override name = 'PluginClientConfigError'
}

/**
 * Rejects names moby would join into a path outside the plugin directories, and (unless
 * `allowEmpty`, which the registry uses: moby's registry accepts "") the empty name.
 */
export function checkPluginName(name: string, options: { allowEmpty?: boolean } = {}): void {
  if (name === '' && !options.allowEmpty) throw new InvalidPluginNameError(name, 'Unable to find plugin without name')
  if (name.includes('\0')) throw new InvalidPluginNameError(name, `invalid plugin name ${goQuote(name)}: contains a NUL byte`)
  if (name.split('/').includes('..')) {
    throw new InvalidPluginNameError(name, `invalid plugin name ${goQuote(name)}: contains a ".." path segment`)
  }
}

/**
 * What dockerd's plugin store (`daemon/pkg/plugin/store.go` `Get`) makes of a legacy lookup
 * error: `plugin "NAME" not found` for `ErrNotFound`, `legacy plugin: <err>` for anything else.
 */
export function pluginStoreErrorText(name: string, err: unknown): string {
  if (err instanceof PluginNotFoundError) return `plugin ${goQuote(name)} not found`
  return `legacy plugin: ${err instanceof Error ? err.message : String(err)}`
}
