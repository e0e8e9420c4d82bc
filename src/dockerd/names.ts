/** Docker's names for capabilities, namespaces and security options, each written once. */
import { goToUpper } from '../go/strings.js'

/** The namespaces a container may share with the host (`NetworkMode`, `PidMode`, … set to `host`). */
export type Namespace = 'network' | 'pid' | 'ipc' | 'uts' | 'userns' | 'cgroup'
export const NAMESPACES: readonly Namespace[] = ['network', 'pid', 'ipc', 'uts', 'userns', 'cgroup']

/** Linux capabilities without the `CAP_` prefix (moby `oci/caps`, capability(7)). */
export const CAPABILITIES = [
  'AUDIT_CONTROL', 'AUDIT_READ', 'AUDIT_WRITE', 'BLOCK_SUSPEND', 'BPF', 'CHECKPOINT_RESTORE', 'CHOWN',
  'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'IPC_LOCK', 'IPC_OWNER', 'KILL', 'LEASE',
  'LINUX_IMMUTABLE', 'MAC_ADMIN', 'MAC_OVERRIDE', 'MKNOD', 'NET_ADMIN', 'NET_BIND_SERVICE',
  'NET_BROADCAST', 'NET_RAW', 'PERFMON', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_ADMIN',
  'SYS_BOOT', 'SYS_CHROOT', 'SYS_MODULE', 'SYS_NICE', 'SYS_PACCT', 'SYS_PTRACE', 'SYS_RAWIO',
  'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'SYSLOG', 'WAKE_ALARM',
]

/** NormalizeLegacyCapabilities as a policy name: Go-upper-cased, `CAP_` removed; `ALL` stays. */
export function normalizeCapability(name: string): string {
  const upper = goToUpper(name)
  return upper.startsWith('CAP_') ? upper.slice(4) : upper
}

/**
 * A SecurityOpt entry as `key=value`, the way `parseSecurityOpt` (daemon/daemon_unix.go) reads
 * it: `no-new-privileges` alone is `no-new-privileges=true`, `disable` alone is `label=disable`;
 * otherwise split on the first `=` if there is one, else on the first `:`. An inline seccomp
 * profile is therefore `seccomp=<the JSON>`.
 */
export function normalizeSecurityOpt(opt: string): string {
  if (opt === 'no-new-privileges') return 'no-new-privileges=true'
  if (opt === 'disable') return 'label=disable'
  const sep = opt.includes('=') ? '=' : ':'
  const i = opt.indexOf(sep)
  return i === -1 ? opt : `${opt.slice(0, i)}=${opt.slice(i + 1)}`
}
