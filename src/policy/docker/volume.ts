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
  /** Host paths a `local` volume with bind options mounts (see `localBindMounts`). */
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
  const hostMounts = driver === LOCAL_DRIVER ? localBindMounts(fieldOf(value, 'DriverOpts')) : []
  return errors.length > 0 ? { driver, hostMounts, decodeErrors: errors } : { driver, hostMounts }
}

/**
 * The host paths a `local` volume with these driver options binds (`volume/local/local_unix.go`):
 * option keys are exact (`o`, `device`, `type`; any other key, `Device` included, is rejected by
 * the driver), `o` is split on commas exactly as `mount.parseOptions` does, and `bind` or `rbind`
 * there sets MS_BIND whatever `type` says; `type=none` with a device counts as a bind too (§9).
 * The device goes to mount(2) uncleaned and, when relative, relative to dockerd's working
 * directory (`/` under systemd).
 */
export function localBindMounts(options: GoValue | undefined): string[] {
  if (!(options instanceof GoMap)) return []
  const opt = (key: string): string => stringOf(options.entries.get(key))
  const device = opt('device')
  if (device === '') return []
  const bind = opt('o').split(',').some((o) => o === 'bind' || o === 'rbind') || opt('type') === 'none'
  return bind ? kernelHostPaths(device) : []
}
