/** Pure readers of Docker request bodies: what dockerd will do, as facts for §9 conditions. */
export {
  bindSource, normalizeCapability, normalizeSecurityOpt, readContainerCreate, readExecCreate, readLegacyStart,
} from './container.js'
export type { ContainerFacts, HostNamespace } from './container.js'
export { normalizeImageRef } from './image-ref.js'
export { absoluteHostPath, cleanPath, hostPathCandidates, kernelHostPaths } from './paths.js'
export { localHostMounts, readVolumeCreate } from './volume.js'
export { readNetworkCreate } from './network.js'
export type { NetworkFacts } from './network.js'
export type { VolumeFacts } from './volume.js'
