/**
 * POST /volumes/create (moby `api/types/volume/volume_create.go` VolumeCreateBody, decoded with
 * `json.NewDecoder(r.Body).Decode`) and the `local` driver's options, which also apply to
 * `Mounts` of type volume on container create.
 *
 * The model is written down, with the sources it follows, in docs/local-volumes.md.
 */
import type { JsonNode } from '../json/parse.js'
import { decodeAs, fieldOf, go, GoMap, stringOf, type GoValue } from '../json/go-view.js'
import { kernelHostPaths } from './host-paths.js'
import { checkListSize } from '../limits.js'

export interface VolumeFacts {
  /** `Driver`, `local` when empty (dockerd's default driver). Compared exactly by dockerd. */
  driver: string
  /** Host paths the volume's options expose (see `volumeHostMounts`); `/` is the host itself. */
  hostMounts: string[]
  /** Decode errors: when not empty, dockerd rejects the request. */
  decodeErrors?: string[]
}

const VOLUME_CREATE = go.struct({
  Driver: go.string,
  DriverOpts: go.map(go.string),
})

/** dockerd's default volume driver; an empty driver name means it. */
export const LOCAL_DRIVER = 'local'

/** What a mount that cannot be read, or that reaches the host in ways not modelled, exposes. */
export const HOST_ROOT = '/'

export function readVolumeCreate(root: JsonNode): VolumeFacts {
  const { value, errors } = decodeAs(VOLUME_CREATE, root)
  const driver = stringOf(fieldOf(value, 'Driver')) || LOCAL_DRIVER
  const hostMounts = volumeHostMounts(driver, fieldOf(value, 'DriverOpts'))
  return errors.length > 0 ? { driver, hostMounts, decodeErrors: errors } : { driver, hostMounts }
}

/**
 * Host paths a volume of `driver` with these options exposes. Another driver is a plugin that
 * does with its options whatever it likes (`local-persist` binds any `mountpoint`), so options
 * Portcullis cannot read are the host itself; without options the plugin's defaults apply.
 */
export function volumeHostMounts(driver: string, options: GoValue | undefined): string[] {
  if (driver === LOCAL_DRIVER) return localHostMounts(options)
  if (leavesPluginDirectory(driver)) return [HOST_ROOT]
  return options instanceof GoMap && options.entries.size > 0 ? [HOST_ROOT] : []
}

/**
 * A driver name dockerd would look up outside its plugin directories: the legacy plugin lookup
 * joins the name into `/run/docker/plugins/<name>.sock` and `/etc/docker/plugins/<name>.spec`
 * unchecked (pkg/plugins/discovery.go), so `../../tmp/x` makes dockerd connect to `/tmp/x.sock`.
 */
export function leavesPluginDirectory(name: string): boolean {
  return name.startsWith('/') || name.split('/').includes('..')
}

/**
 * The `local` driver's option keys (volume/local/local_unix.go `validOpts`, exact): `size` is an
 * XFS quota on the volume's directory and mounts nothing.
 */
const LOCAL_KEYS = new Set(['type', 'device', 'o', 'size'])

/**
 * moby's mount flags (moby/sys/mount `flags` table) that only restrict a fresh memory
 * filesystem. `bind`/`rbind` make mount(2) a bind of the device; `remount`, the propagation flags
 * and anything unlisted are not harmless here.
 */
const RESTRICTING_FLAGS = new Set([
  'defaults', 'ro', 'rw', 'nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec', 'sync', 'async', 'dirsync',
  'atime', 'noatime', 'diratime', 'nodiratime', 'relatime', 'norelatime', 'strictatime', 'nostrictatime',
  'mand', 'nomand',
])

/** Flags that make the mount act on the volume's directory itself (moby/sys/mount). */
const NOT_A_BIND_OF_THE_DEVICE = new Set([
  'remount', 'shared', 'rshared', 'private', 'rprivate', 'slave', 'rslave', 'unbindable', 'runbindable',
])

/**
 * Memory filesystems: they mount nothing of the host whatever the device says (the kernel
 * ignores their source), with these parameters (`key` or `key=value`; mm/shmem.c
 * shmem_fs_parameters, fs/ramfs/inode.c ramfs_fs_parameters). `mpol` is left out: its node
 * lists hold commas, which tmpfs and moby split differently.
 */
const MEMORY_TYPES: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['tmpfs', new Set(['size', 'nr_blocks', 'nr_inodes', 'mode', 'uid', 'gid', 'huge', 'inode32', 'inode64', 'noswap'])],
  ['ramfs', new Set(['mode'])],
])

/** mount(2) copies one page of options and silently cuts the rest (fs/namespace.c). */
const MAX_MOUNT_DATA = 4095

/**
 * What a `local` volume with these driver options exposes (volume/local/local_unix.go: the
 * driver hands `type`, `device` and `o` to mount(2) as root, in the host's namespaces, when the
 * volume is first used). Read default-deny — only shapes known to mount nothing of the host are
 * harmless (docs/local-volumes.md has the model and the sources):
 *   - no options, or `type` and `device` both empty: a directory under dockerd's data root (the
 *     driver mounts nothing);
 *   - `tmpfs` or `ramfs` whose every `o` entry is a restricting flag or a parameter of that type;
 *   - `bind`/`rbind` among the comma-separated `o` entries (exact, as moby's flag table reads
 *     them; the type is then ignored), or `type=none`: a bind of the device — its path, as the
 *     kernel resolves it; a relative device is resolved against dockerd's working directory,
 *     which is not always `/`, so it is the host itself.
 * Everything else is a mount of `/`, the host itself: kernel filesystems (proc, sysfs,
 * binfmt_misc, devtmpfs, …, which ignore the device), block-device filesystems (the device may
 * be a node a container made with mknod), overlays, network filesystems (mount(2) connects from
 * the host's network namespace, so an `addr` on loopback reaches what listens only there),
 * unknown types, unknown keys, and option spellings not listed above.
 */
export function localHostMounts(options: GoValue | undefined): string[] {
  if (!(options instanceof GoMap) || options.entries.size === 0) return []
  for (const key of options.entries.keys()) if (!LOCAL_KEYS.has(key)) return [HOST_ROOT]
  const opt = (key: string): string => stringOf(options.entries.get(key))
  const type = opt('type')
  const device = opt('device')
  const o = opt('o')
  if (type === '' && device === '') return []
  if (o.length > MAX_MOUNT_DATA) return [HOST_ROOT]
  const entries = o === '' ? [] : o.split(',')
  checkListSize('the volume option o', entries.length)
  if (entries.some((e) => e === 'bind' || e === 'rbind') || type === 'none') {
    if (entries.some((e) => NOT_A_BIND_OF_THE_DEVICE.has(e))) return [HOST_ROOT]
    if (device === '') return []
    return device.startsWith('/') ? kernelHostPaths(device) : [HOST_ROOT]
  }
  const parameters = MEMORY_TYPES.get(type)
  if (parameters && entries.every((e) => RESTRICTING_FLAGS.has(e) || parameters.has(e.split('=', 1)[0] as string))) return []
  return [HOST_ROOT]
}
