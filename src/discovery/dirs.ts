/**
 * Where dockerd looks for legacy plugins (moby `discovery.go`, `discovery_unix.go`), chosen from
 * an environment the caller passes in so rootless layouts can be checked without being rootless.
 */
import { userInfo } from 'node:os'
import { join } from 'node:path'

/** The socket directory; the same in rootless mode. */
export const DEFAULT_SOCKET_DIR = '/run/docker/plugins'

export type Env = Record<string, string | undefined>

/** Go's `homedir.Get`: `$HOME`, else the user database. */
function homeDir(env: Env, lookupHome: () => string): string {
  if (env.HOME) return env.HOME
  try {
    return lookupHome()
  } catch {
    return ''
  }
}

/**
 * The spec directories in priority order. Rootful: `/etc/docker/plugins`, `/usr/lib/docker/plugins`.
 * Rootless (`ROOTLESSKIT_STATE_DIR` set), moby's code as it runs, not as its comment says:
 * - QUIRK (inverted error check in `rootlessConfigPluginsPath`): when the config home is known
 *   (`$XDG_CONFIG_HOME`, or a home directory) the result is `/etc/docker/plugins`; only when it is
 *   unknown is it `<configHome>/docker/plugins` with an empty config home, i.e. the RELATIVE path
 *   `docker/plugins`;
 * - then `$HOME/.local/lib/docker/plugins`, or `/usr/lib/docker/plugins` without a home.
 */
export function defaultSpecDirs(env: Env = process.env, lookupHome: () => string = () => userInfo().homedir): string[] {
  if (!env.ROOTLESSKIT_STATE_DIR) return ['/etc/docker/plugins', '/usr/lib/docker/plugins']
  const home = homeDir(env, lookupHome)
  const configHomeKnown = Boolean(env.XDG_CONFIG_HOME) || home !== ''
  const configDir = configHomeKnown ? '/etc/docker/plugins' : join('', 'docker/plugins')
  const libDir = home !== '' ? join(home, '.local/lib', 'docker/plugins') : '/usr/lib/docker/plugins'
  return [configDir, libDir]
}
