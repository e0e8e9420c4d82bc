/**
 * Reload triggers for a PolicyStore: file-system events (debounced, so a burst of writes is one
 * reload) and a periodic content check as a safety net where events are lost (network file
 * systems, files symlinked from elsewhere).
 *
 * Node's fs.watch (inotify here) is used non-recursively on every directory that can change the
 * set, and the list is re-synchronised after every reload:
 *   - the policy directory (as resolved now) and each subdirectory below it, symlinks followed;
 *   - the parent of the policy directory as given, for changes of the directory itself (removed,
 *     recreated, or a symlink to it swapped: `--policies /etc/portcullis/current`);
 *   - the real parent directory of every policy file reached through a symlink (Kubernetes
 *     ConfigMaps: `policy.yaml -> ..data/policy.yaml`, `..data -> ..2024_…`; the kubelet swaps
 *     `..data` atomically with a rename in the policy directory itself, which is watched).
 * A per-directory watcher, rather than `recursive: true`, because it must follow symlinked
 * directories and survive directories being replaced, and because the re-synchronisation after
 * each reload needs exactly this list anyway; no watcher library handles the ConfigMap and
 * symlink-swap cases better (chokidar 6 needs Node 22).
 */
import { watch } from 'node:fs'
import type { FSWatcher } from 'node:fs'
import { readdir, realpath, stat } from 'node:fs/promises'
import path from 'node:path'
import type { PolicyStore } from './policy-store.js'

export interface WatchOptions {
  /** Quiet time after the last event before reloading. */
  debounceMs?: number
  /** A reload happens at the latest this long after the first event of a burst. */
  maxDelayMs?: number
  /** Periodic content check; 0 disables it. */
  pollIntervalMs?: number
  /** File-system events; false leaves only the periodic check (tests of lost events). */
  events?: boolean
}

export const DEFAULT_WATCH: Required<WatchOptions> = { debounceMs: 50, maxDelayMs: 500, pollIntervalMs: 5000, events: true }

export interface PolicyWatcher {
  /** Resolves once the first set of directories is watched. */
  ready: Promise<void>
  close(): void
  /** Directories currently watched (for status and tests). */
  watched(): string[]
}

export function watchPolicyStore(store: PolicyStore, options: WatchOptions = {}): PolicyWatcher {
  const opts = { ...DEFAULT_WATCH, ...options }
  const watchers = new Map<string, FSWatcher>()
  let closed = false
  let quiet: NodeJS.Timeout | undefined
  let deadline: NodeJS.Timeout | undefined

  const reload = (): void => {
    clearTimeout(quiet)
    clearTimeout(deadline)
    quiet = undefined
    deadline = undefined
    if (closed) return
    // A directory that appeared since the last sync may already hold changes made before its
    // watcher existed: when sync adds a watcher, look once more.
    void store.reload().finally(() => { if (!closed) void sync().then((added) => { if (added) changed() }) })
  }
  const changed = (): void => {
    if (closed) return
    clearTimeout(quiet)
    quiet = setTimeout(reload, opts.debounceMs)
    deadline ??= setTimeout(reload, opts.maxDelayMs)
  }

  const given = path.resolve(store.dir)
  const add = (dir: string, filter?: string): boolean => {
    const key = filter === undefined ? dir : `${dir}\u0000${filter}`
    if (watchers.has(key)) return false
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        if (filter === undefined || name === null || String(name) === filter) changed()
      })
      w.on('error', () => {
        // The directory went away: forget it, and let a reload decide what to watch now.
        w.close()
        watchers.delete(key)
        changed()
      })
      watchers.set(key, w)
      return true
    } catch {
      // Not there (yet): the parent watcher or the periodic check will notice it appearing.
      return false
    }
  }

  /** Watches what should be watched now; true when a watcher was added. */
  const sync = async (): Promise<boolean> => {
    if (!opts.events || closed) return false
    const wanted = new Set<string>()
    wanted.add(`${path.dirname(given)}\u0000${path.basename(given)}`)
    await collect(given, wanted)
    let added = false
    for (const key of wanted) {
      const [dir, filter] = key.split('\u0000') as [string, string | undefined]
      if (add(dir, filter)) added = true
    }
    for (const [key, w] of watchers) {
      if (!wanted.has(key)) {
        w.close()
        watchers.delete(key)
      }
    }
    return added
  }

  const ready = sync().then(() => undefined)
  const poll = opts.pollIntervalMs > 0 ? setInterval(() => { if (!quiet) void store.reload().then(() => sync()) }, opts.pollIntervalMs) : undefined
  poll?.unref()

  return {
    ready,
    close: () => {
      closed = true
      clearTimeout(quiet)
      clearTimeout(deadline)
      if (poll) clearInterval(poll)
      for (const w of watchers.values()) w.close()
      watchers.clear()
    },
    watched: () => [...watchers.keys()].map((k) => k.replace('\u0000', '/ (entry) ')),
  }
}

/** Every directory below `dir` (symlinks followed, dot-names skipped) and the real parents of symlinked files. */
async function collect(dir: string, into: Set<string>, seen = new Set<string>()): Promise<void> {
  let real: string
  try {
    real = await realpath(dir)
  } catch {
    return
  }
  if (seen.has(real)) return
  seen.add(real)
  into.add(real)
  let entries
  try {
    entries = await readdir(dir, { withFileTypes: true })
  } catch {
    return
  }
  for (const e of entries) {
    if (e.name.startsWith('.')) continue
    const child = path.join(dir, e.name)
    if (e.isDirectory()) await collect(child, into, seen)
    else if (e.isSymbolicLink()) {
      const s = await stat(child).catch(() => undefined)
      if (s?.isDirectory()) await collect(child, into, seen)
      else if (s?.isFile()) {
        const target = await realpath(child).catch(() => undefined)
        if (target) into.add(path.dirname(target))
      }
    }
  }
}
