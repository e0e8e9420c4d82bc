/**
 * POST /volumes/create (moby `api/types/volume/volume_create.go` VolumeCreateBody, decoded with
 * `json.NewDecoder(r.Body).Decode`) and the `local` driver's bind options, which also apply to
 * `Mounts` of type volume on container create.
 */
import type { JsonNode } from '../body/json-parse.js'
import { decodeAs, fieldOf, go, GoMap, stringOf, type GoValue } from '../body/go-view.js'
import { kernelHostPaths } from './paths.js'

export interface VolumeFacts {
  /** `Driver`, `local` when empty (dockerd's default driver). Compared exactly by dockerd. */
  driver: string
  /** Host paths a `local` volume's options expose (see `localHostMounts`). */
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

export function readVolumeCreate(root: JsonNode): VolumeFacts {
  const { value, errors } = decodeAs(VOLUME_CREATE, root)
  const driver = stringOf(fieldOf(value, 'Driver')) || LOCAL_DRIVER
  const hostMounts = driver === LOCAL_DRIVER ? localHostMounts(fieldOf(value, 'DriverOpts')) : []
  return errors.length > 0 ? { driver, hostMounts, decodeErrors: errors } : { driver, hostMounts }
}

/** Filesystem types that mount nothing of the host: memory, or a remote share. */
const NOT_HOST_TYPES = new Set(['tmpfs', 'ramfs', 'nfs', 'nfs4', 'cifs', 'smb3'])
const OVERLAY_DIRS = /^(lowerdir|upperdir|workdir)=(.*)$/

/**
 * The host a `local` volume with these driver options exposes (`volume/local/local_unix.go`).
 * The driver hands `type`, `device` and `o` to mount(2) as root, so every option set but memory
 * and remote shares reaches the host:
 *   - `bind`/`rbind` among the comma-separated `o` (exact), or `type=none`: a bind of the device;
 *   - a device that is a path (`type=ext4,device=/dev/sda1`: the host's disk): that path;
 *   - overlay-style `lowerdir=`/`upperdir=`/`workdir=` in `o` (`:`-separated lists): those paths;
 *   - kernel filesystems (`proc`, `sysfs`, `binfmt_misc`, `cgroup`, `debugfs`, …) and any type not
 *     known to be harmless, with a device that is not a path: reported as `/`, the host itself.
 * Option keys are exact (`o`, `device`, `type`; the driver rejects any other key, `Device`
 * included). The device goes to mount(2) uncleaned and, when relative, relative to dockerd's
 * working directory (`/` under systemd).
 */
export function localHostMounts(options: GoValue | undefined): string[] {
  if (!(options instanceof GoMap)) return []
  const opt = (key: string): string => stringOf(options.entries.get(key))
  const type = opt('type')
  const device = opt('device')
  const flags = opt('o').split(',')
  if (type === '' && device === '' && opt('o') === '') return []
  if (flags.some((o) => o === 'bind' || o === 'rbind') || type === 'none') return device === '' ? [] : kernelHostPaths(device)
  const out: string[] = []
  for (const flag of flags) {
    const m = OVERLAY_DIRS.exec(flag)
    if (m) for (const dir of (m[2] as string).split(':')) if (dir !== '') out.push(...kernelHostPaths(dir))
  }
  if (device.startsWith('/') && !NOT_HOST_TYPES.has(type)) out.push(...kernelHostPaths(device))
  else if (!NOT_HOST_TYPES.has(type)) out.push('/')
  return out
}
