/**
 * The discovery and activation core: a TypeScript re-implementation of dockerd's legacy plugin
 * client (moby `pkg/plugins`). Knows nothing of the policy engine or the server.
 */
export { PluginClient, DUMMY_HOST, VERSION_MIMETYPE, type CallOptions, type PluginClientOptions } from './client.js'
export { DEFAULT_SOCKET_DIR, defaultSpecDirs, type Env } from './dirs.js'
export {
  checkPluginName, InvalidPluginNameError, PluginCallError, pluginStoreErrorText, PluginClientConfigError, PluginNotFoundError,
  PluginNotImplementsError, PluginResponseError, PluginSpecError, PluginTimeoutError, PluginTransportError,
} from './errors.js'
export { GoURLError } from '../go/url.js'
export {
  decodeManifest, Plugin, Plugins, type ActivePlugin, type Manifest, type PluginHandler, type PluginHooks, type PluginsOptions,
  type Registry,
} from './plugins.js'
export { LocalRegistry, runningInUserNS, ScanError, type LocalRegistryOptions } from './registry.js'
export { backoff, DEFAULT_RETRY_BUDGET_MS, realClock, shouldAbort, withRetry, type Clock, type RetryOptions } from './retry.js'
export { SKIP_VERIFY, type PluginSourceKind, type PluginSpec, type TLSOptions } from './spec-file.js'
