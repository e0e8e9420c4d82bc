/** `match.volume` (policy-language.md §9): what POST /volumes/create mounts, read by src/dockerd/readers/volume.ts. */
import { readVolumeCreate } from '../../dockerd/readers/index.js'
import type { VolumeFacts } from '../../dockerd/readers/index.js'
import { join } from '../checker.js'
import type { CheckedGlob } from '../checked.js'
import { anyGlob, no } from './family.js'
import type { ConditionFamily } from './family.js'
import { mountsHold } from './host-mounts.js'

export interface VolumeCondition {
  hostMounts?: CheckedGlob[]
  drivers?: CheckedGlob[]
}

export const volume: ConditionFamily<VolumeCondition, VolumeFacts> = {
  key: 'volume',
  keys: ['host_mounts', 'drivers'],
  emptyHint: 'host_mounts, drivers',
  endpoints: ['volume-create'],
  where: 'POST /volumes/create',

  check(c, path, m, t) {
    const out: VolumeCondition = {}
    if (m.host_mounts !== undefined) out.hostMounts = t.track(c.hostMountGlobs(join(path, 'host_mounts'), m.host_mounts))
    if (m.drivers !== undefined) out.drivers = t.track(c.flatGlobs(join(path, 'drivers'), m.drivers, 'drivers', '[local]'))
    return out
  },

  read(req) {
    const body = req.body()
    return body.kind === 'json' ? readVolumeCreate(body.root) : undefined
  },

  noEvidence: () => 'the volume create request has no JSON body (no evidence)',

  holds(c, facts, { lenient, env, why }) {
    if (c.drivers && !anyGlob(c.drivers, facts.driver)) return no(why, `driver ${facts.driver} matches no drivers glob`)
    if (c.hostMounts && !mountsHold(c.hostMounts, facts.hostMounts, lenient, env)) {
      return no(why, `volume host mounts [${facts.hostMounts.join(', ')}] do not match host_mounts`)
    }
    return true
  },
}
