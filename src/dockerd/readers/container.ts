/**
 * Container facts (§9) from a request body, read as dockerd 20.10 reads it.
 *
 * Which spellings dockerd accepts (moby v20.10 unless said otherwise; dockerd 20.10 serves API
 * 1.12–1.41, `api/common_unix.go`):
 *
 * | spelling                                   | accepted by                                                        |
 * |--------------------------------------------|--------------------------------------------------------------------|
 * | `HostConfig` object in the create body     | every API version                                                  |
 * | host fields at the top level of the body   | dockerd ≤ 26.x, every API version, only when `HostConfig` is absent |
 * | (`Privileged`, `Binds`, `CapAdd`, …: every | or null (`runconfig/config_unix.go`: ContainerConfigWrapper embeds  |
 * |  HostConfig and Resources field)           | `*container.HostConfig`; getHostConfig prefers the inner one). 27.0 |
 * |                                            | replaced the wrapper with `container.CreateRequest`.                |
 * | host configuration in a start body         | `POST /v1.N/containers/ID/start` with N < 1.24 and Content-Length   |
 * |                                            | > 7 or chunked (`container_routes.go`); decoded with the SAME       |
 * |                                            | wrapper, so `{"HostConfig":{…}}` and top-level fields both work.    |
 * |                                            | 25.0+ refuse API < 1.24 unless DOCKER_MIN_API_VERSION lowers it.    |
 * | `Mounts` (documented from API 1.25)        | every API version: the route does not check it                     |
 * | `Privileged` on exec create                | every API version (`types.ExecConfig`; exec_linux.go grants all caps)|
 * | `CgroupnsMode` (documented from API 1.41)  | every API version; below 1.41 on a cgroup v1 host an EMPTY mode     |
 * |                                            | becomes `host`, and 20.10's default on cgroup v1 is `host` anyway:  |
 * |                                            | only an explicit `host` is reported here                            |
 * | `DeviceRequests` (API 1.40), `MaskedPaths`/| every API version                                                   |
 * | `ReadonlyPaths` (1.40), `DeviceCgroupRules`|                                                                     |
 * | `HostConfig.Capabilities` (19.03, API 1.40)| not a field in 20.10: ignored                                       |
 * | `CapAdd` as one string                     | every version (`strslice.StrSlice` takes a string or an array)      |
 *
 * Values: mode names are compared exactly (`NetworkMode: "HOST"` is a user-defined network named
 * HOST, not the host's); `Mounts[].Type` is exact (`Bind` is "mount type unknown"); capability
 * names go through Go's `strings.ToUpper` (`ſys_admin` is SYS_ADMIN) and get `CAP_` when missing.
 */
import type { JsonNode } from '../json/parse.js'
import {
  boolOf, decodeAs, elementsOf, fieldOf, go, GoSlice, GoStruct, stringOf, type GoValue,
} from '../json/go-view.js'
import { normalizeCapability, normalizeSecurityOpt } from '../names.js'
import type { Namespace } from '../names.js'
import { normalizeImageRef } from './image-ref.js'
import { cleanPath } from '../../go/path.js'
import { absoluteHostPath, kernelHostPaths } from './host-paths.js'
import { checkListSize } from '../limits.js'
import type { Destination } from './destinations.js'
import { logFacts } from './logging.js'
import { HOST_ROOT, leavesPluginDirectory, LOCAL_DRIVER, volumeHostMounts } from './volume.js'

export interface ContainerFacts {
  endpoint: 'container-create' | 'exec-create' | 'legacy-start'
  privileged: boolean
  /**
   * Host paths bound into the container, cleaned; a local-volume device with `..` is also listed
   * in its kernel spelling (see kernelHostPaths). Match through hostPathCandidates for symlinks.
   */
  hostMounts: string[]
  /** CapAdd upper-cased without `CAP_`; `ALL` when privileged. */
  capabilities: string[]
  hostNamespaces: Namespace[]
  /**
   * Other containers whose namespaces or volumes this one takes over: `NetworkMode`, `PidMode`,
   * `IpcMode` of the form `container:<name>` (joined as `/proc/<pid>/ns/*` of that container,
   * which are the host's when it uses host namespaces: daemon/oci_linux.go) and `VolumesFrom`
   * entries (every mount point copied, binds included: daemon/volumes.go).
   */
  joinsContainers: string[]
  devices: { present: boolean; hostPaths: string[] }
  /** SecurityOpt as `key=value`, plus `systempaths=unconfined` for weakened Masked/ReadonlyPaths. */
  securityOpts: string[]
  /** The image reference as dockerd resolves it (container create only). */
  image: string | undefined
  /** `LogConfig.Type` as sent ('' = the daemon's default driver). */
  logDriver: string
  /** Why the log configuration is not local (logging.ts); empty when it is. */
  remoteLogging: string[]
  /** Where the log driver connects (§16 outbound). */
  logDestinations: Destination[]
  /** Decode errors: when not empty, dockerd rejects the request. */
  decodeErrors?: string[]
}

const MOUNT = go.struct({
  Type: go.string,
  Source: go.string,
  VolumeOptions: go.ptr(go.struct({ DriverConfig: go.ptr(go.struct({ Name: go.string, Options: go.map(go.string) })) })),
})

/** The HostConfig fields the facts need (Resources' fields are promoted into HostConfig). */
const HOST_CONFIG_FIELDS = {
  Binds: go.slice(go.string),
  NetworkMode: go.string,
  CapAdd: go.strSlice,
  CgroupnsMode: go.string,
  IpcMode: go.string,
  PidMode: go.string,
  Privileged: go.bool,
  SecurityOpt: go.slice(go.string),
  UTSMode: go.string,
  UsernsMode: go.string,
  VolumesFrom: go.slice(go.string),
  Devices: go.slice(go.struct({ PathOnHost: go.string })),
  DeviceCgroupRules: go.slice(go.string),
  DeviceRequests: go.slice(go.struct({})),
  Mounts: go.slice(MOUNT),
  MaskedPaths: go.slice(go.string),
  ReadonlyPaths: go.slice(go.string),
  LogConfig: go.struct({ Type: go.string, Config: go.map(go.string) }),
  VolumeDriver: go.string,
}

/** runconfig.ContainerConfigWrapper: Config fields, `HostConfig`, and HostConfig's fields promoted. */
const CONTAINER_CONFIG_WRAPPER = go.struct({
  Image: go.string,
  HostConfig: go.ptr(go.struct(HOST_CONFIG_FIELDS)),
  ...HOST_CONFIG_FIELDS,
})

const EXEC_CONFIG = go.struct({ Privileged: go.bool })

/** moby `oci/defaults.go` (20.10.27): what MaskedPaths/ReadonlyPaths must keep to be the default. */
const DEFAULT_MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/kcore', '/proc/keys', '/proc/latency_stats', '/proc/timer_list',
  '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi', '/sys/firmware', '/sys/devices/virtual/powercap',
]
const DEFAULT_READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger']

export function readContainerCreate(root: JsonNode): ContainerFacts {
  const { value, errors } = decodeAs(CONTAINER_CONFIG_WRAPPER, root)
  const image = stringOf(fieldOf(value, 'Image'))
  return withErrors(hostFacts('container-create', hostConfigOf(value), image === '' ? undefined : normalizeImageRef(image)), errors)
}

/** The body of POST /v1.N/containers/ID/start with N < 1.24: decoded like a create body. */
export function readLegacyStart(root: JsonNode): ContainerFacts {
  const { value, errors } = decodeAs(CONTAINER_CONFIG_WRAPPER, root)
  return withErrors(hostFacts('legacy-start', hostConfigOf(value), undefined), errors)
}

/**
 * Exec create (`types.ExecConfig`): only `Privileged` matters. A privileged exec gets every
 * capability (daemon/exec_linux.go); `devices.present` follows privileged as for containers,
 * though the device cgroup stays the container's.
 */
export function readExecCreate(root: JsonNode): ContainerFacts {
  const { value, errors } = decodeAs(EXEC_CONFIG, root)
  const privileged = boolOf(fieldOf(value, 'Privileged'))
  return withErrors({
    endpoint: 'exec-create',
    privileged,
    hostMounts: [],
    capabilities: privileged ? ['ALL'] : [],
    hostNamespaces: [],
    joinsContainers: [],
    devices: { present: privileged, hostPaths: [] },
    securityOpts: [],
    image: undefined,
    logDriver: '',
    remoteLogging: [],
    logDestinations: [],
  }, errors)
}

function withErrors(facts: ContainerFacts, errors: string[]): ContainerFacts {
  return errors.length > 0 ? { ...facts, decodeErrors: errors } : facts
}

/** getHostConfig: the inner `HostConfig` when non-nil, else the top-level (legacy) fields. */
function hostConfigOf(wrapper: GoValue): GoValue | undefined {
  const inner = fieldOf(wrapper, 'HostConfig')
  return inner instanceof GoStruct ? inner : wrapper
}

/** The list fields the readers walk: each is bounded (limits.ts) before anything is read. */
const LIST_FIELDS = [
  'Binds', 'Mounts', 'CapAdd', 'SecurityOpt', 'VolumesFrom', 'Devices', 'DeviceCgroupRules', 'DeviceRequests', 'MaskedPaths', 'ReadonlyPaths',
] as const

function hostFacts(endpoint: ContainerFacts['endpoint'], hc: GoValue | undefined, image: string | undefined): ContainerFacts {
  const get = (name: keyof typeof HOST_CONFIG_FIELDS): GoValue | undefined => fieldOf(hc, name)
  for (const field of LIST_FIELDS) {
    const list = get(field)
    checkListSize(`HostConfig.${field}`, list instanceof GoSlice ? list.len : 0)
  }
  const strings = (name: keyof typeof HOST_CONFIG_FIELDS): string[] => elementsOf(get(name)).map(stringOf)
  const privileged = boolOf(get('Privileged'))

  const capabilities = strings('CapAdd').map(normalizeCapability)
  if (privileged) capabilities.push('ALL')

  const modes: Array<[keyof typeof HOST_CONFIG_FIELDS, Namespace]> = [
    ['NetworkMode', 'network'], ['PidMode', 'pid'], ['IpcMode', 'ipc'],
    ['UTSMode', 'uts'], ['UsernsMode', 'userns'], ['CgroupnsMode', 'cgroup'],
  ]
  const hostNamespaces = modes.filter(([field]) => stringOf(get(field)) === 'host').map(([, ns]) => ns)
  const joinsContainers = [
    ...(['NetworkMode', 'PidMode', 'IpcMode'] as const).map((f) => stringOf(get(f))).filter((m) => m.startsWith('container:')),
    ...strings('VolumesFrom').filter((v) => v !== '').map((v) => `volumes-from:${v}`),
  ]

  const devices = elementsOf(get('Devices'))
  const present = privileged || [devices, elementsOf(get('DeviceRequests')), elementsOf(get('DeviceCgroupRules'))].some((l) => l.length > 0)
  const devicePaths = devices.map((d) => stringOf(fieldOf(d, 'PathOnHost'))).filter((p) => p !== '').flatMap(kernelHostPaths)

  const securityOpts = strings('SecurityOpt').flatMap(securityOptFacts)
  if (weakens(get('MaskedPaths'), DEFAULT_MASKED_PATHS) || weakens(get('ReadonlyPaths'), DEFAULT_READONLY_PATHS)) {
    securityOpts.push('systempaths=unconfined')
  }

  // HostConfig.VolumeDriver creates the named volumes of Binds: a plugin, looked up by a name
  // dockerd joins into a path unchecked.
  const volumeDriver = stringOf(get('VolumeDriver'))
  const driverMounts = volumeDriver !== '' && leavesPluginDirectory(volumeDriver) ? [HOST_ROOT] : []

  return {
    endpoint,
    privileged,
    hostMounts: unique([...strings('Binds').flatMap(bindSource), ...elementsOf(get('Mounts')).flatMap(mountSources), ...driverMounts]),
    capabilities: unique(capabilities),
    hostNamespaces,
    joinsContainers: unique(joinsContainers),
    devices: { present, hostPaths: unique(devicePaths) },
    securityOpts: unique(securityOpts),
    image,
    ...logFacts(get('LogConfig')),
  }
}

/**
 * The host path of a `Binds` entry, as the Linux parser reads it (`volume/mounts/linux_parser.go`):
 * `src:dst[:mode]` split on the first two colons, so a source never contains a colon; only an
 * absolute source (`/…`) is a bind — anything else (`name`, `C:\x`, `\etc`) is a named volume;
 * the source is then path.Clean-ed. Specs dockerd rejects (more than two colons, `/dst:ro`) may
 * be reported: the request fails anyway.
 */
export function bindSource(bind: string): string[] {
  const colon = bind.indexOf(':')
  if (colon === -1) return [] // a container path alone: an anonymous volume
  const source = bind.slice(0, colon)
  return source.startsWith('/') ? [cleanPath(source)] : []
}

/**
 * Host paths of a `Mounts` entry: `bind` (exact; the source is path.Clean-ed by dockerd, and only
 * validated as absolute after `\` → `/`, so a relative spelling is made absolute), or `volume`
 * with driver options (volume.ts: the `local` driver read default-deny, another driver's options
 * are the host itself).
 */
function mountSources(mount: GoValue): string[] {
  const type = stringOf(fieldOf(mount, 'Type'))
  if (type === 'bind') {
    const source = stringOf(fieldOf(mount, 'Source'))
    return source === '' ? [] : [absoluteHostPath(source)]
  }
  if (type !== 'volume') return []
  const driver = fieldOf(fieldOf(mount, 'VolumeOptions'), 'DriverConfig')
  if (!(driver instanceof GoStruct)) return []
  return volumeHostMounts(stringOf(fieldOf(driver, 'Name')) || LOCAL_DRIVER, fieldOf(driver, 'Options'))
}

/**
 * A SecurityOpt entry as facts: its `key=value` form and, for an inline seccomp profile (any
 * value but `unconfined` or empty), `seccomp=unconfined` as well — dockerd loads whatever
 * profile is sent, and `{}` or `{"defaultAction":"SCMP_ACT_ALLOW"}` confine nothing (measured).
 */
function securityOptFacts(opt: string): string[] {
  const normalized = normalizeSecurityOpt(opt)
  const inline = normalized.startsWith('seccomp=') && normalized !== 'seccomp=' && normalized !== 'seccomp=unconfined'
  return inline ? [normalized, 'seccomp=unconfined'] : [normalized]
}

/**
 * Whether an explicit MaskedPaths/ReadonlyPaths list drops a default path. nil means the
 * defaults (create_unix.go); any list replaces them, so `[]` (what the CLI sends for
 * `systempaths=unconfined`) or a list without `/proc/kcore` exposes what the default hides.
 */
function weakens(list: GoValue | undefined, defaults: readonly string[]): boolean {
  if (!(list instanceof GoSlice)) return false
  const given = new Set(list.elements().map((p) => cleanPath(stringOf(p))))
  return defaults.some((d) => !given.has(d))
}

function unique(values: string[]): string[] {
  return [...new Set(values)]
}
