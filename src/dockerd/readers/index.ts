/** Pure readers of Docker request bodies: what dockerd will do, as facts (no policy knowledge). */
export { bindSource, readContainerCreate, readExecCreate, readLegacyStart } from './container.js'
export type { ContainerFacts } from './container.js'
export { normalizeImageRef } from './image-ref.js'
export { absoluteHostPath, hostPathCandidates, kernelHostPaths } from './host-paths.js'
export { localHostMounts, readVolumeCreate } from './volume.js'
export { readNetworkCreate } from './network.js'
export type { NetworkFacts } from './network.js'
export type { VolumeFacts } from './volume.js'
