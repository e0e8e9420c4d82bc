/**
 * A container's log configuration (`HostConfig.LogConfig`) as facts: whether it makes dockerd —
 * root, in the host's network namespace — connect somewhere or read a host file. Sources: moby
 * 20.10.24 daemon/logger/* validators and daemon/logs.go mergeAndVerifyLogConfig (notes in
 * docs/local-volumes.md).
 *
 * Read default-deny: the local drivers with the options they define are local; everything else
 * is remote — syslog (a `unix://` address writes container output into any host socket; with no
 * address, the host's /dev/log), gelf, fluentd (127.0.0.1:24224 by default), splunk (echoes 1 KiB
 * of the answer to the caller), awslogs and gcplogs (the daemon's cloud credentials), logentries,
 * and any other name (a log plugin, found by a name dockerd joins into a path unchecked); and any
 * option a local driver does not define. The type is exact (`JSON-FILE` is a plugin lookup).
 */
import { fieldOf, GoMap, stringOf, type GoValue } from '../json/go-view.js'
import { logDestinations as destinationsOf } from './destinations.js'
import type { Destination } from './destinations.js'
import { checkListSize } from '../limits.js'

/** Options every driver accepts, handled by dockerd itself (daemon/logger/factory.go, loggerutils/cache). */
const DAEMON_OPTIONS = ['mode', 'max-buffer-size', 'cache-disabled', 'cache-max-file', 'cache-max-size', 'cache-compress']
/** Options that select container labels and environment, or format the tag (daemon/logger/loginfo.go). */
const COMMON_OPTIONS = ['labels', 'labels-regex', 'env', 'env-regex', 'tag']
const ROTATION_OPTIONS = ['max-file', 'max-size', 'compress']

/** The drivers that keep logs on the host, with the options each validator accepts. */
const LOCAL_DRIVERS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['json-file', new Set([...DAEMON_OPTIONS, ...COMMON_OPTIONS, ...ROTATION_OPTIONS])],
  ['local', new Set([...DAEMON_OPTIONS, ...ROTATION_OPTIONS])],
  ['journald', new Set([...DAEMON_OPTIONS, ...COMMON_OPTIONS])],
])

/**
 * An empty type is the daemon's default driver, which may be a remote one (`log-driver` in
 * daemon.json): only options that are harmless under every driver that accepts them.
 */
const DEFAULT_DRIVER_OPTIONS = new Set([...DAEMON_OPTIONS, ...COMMON_OPTIONS, ...ROTATION_OPTIONS])

export interface LogFacts {
  /** `LogConfig.Type` as sent; '' is the daemon's default driver. */
  logDriver: string
  /** Why the log configuration reaches beyond the host's own log files; empty when it does not. */
  remoteLogging: string[]
  /** Where the log driver connects (§16 outbound). */
  logDestinations: Destination[]
}

export function logFacts(logConfig: GoValue | undefined): LogFacts {
  const driver = stringOf(fieldOf(logConfig, 'Type'))
  const config = fieldOf(logConfig, 'Config')
  const keys = config instanceof GoMap ? [...config.entries.keys()] : []
  checkListSize('HostConfig.LogConfig.Config', keys.length)
  const options = new Map<string, string>()
  if (config instanceof GoMap) for (const [k, v] of config.entries) options.set(k, stringOf(v))
  const logDestinations = destinationsOf(driver, options)
  // `none` starts no logger and validates nothing (daemon/logger/factory.go).
  if (driver === 'none') return { logDriver: driver, remoteLogging: [], logDestinations }
  const known = driver === '' ? DEFAULT_DRIVER_OPTIONS : LOCAL_DRIVERS.get(driver)
  if (!known) return { logDriver: driver, remoteLogging: [`log driver ${JSON.stringify(driver)}`], logDestinations }
  return { logDriver: driver, remoteLogging: keys.filter((k) => !known.has(k)).map((k) => `log option ${JSON.stringify(k)}`), logDestinations }
}
