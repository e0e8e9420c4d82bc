/**
 * The policy store: one compiled revision at a time, swapped atomically. A request reads
 * `current()` once and is decided entirely by that revision. A reload that fails (YAML, validation,
 * an unreadable file, the directory gone) keeps the last good revision and records the errors.
 */
import { EventEmitter } from 'node:events'
import type { CompiledPolicySet, PolicyError } from '../policy/index.js'
import type { PolicySource, ReloadOutcome } from '../server/policy-source.js'
import { loadPolicyDir } from './load.js'

export interface StoreStatus {
  revision: string
  loadedAt: string
  files: string[]
  /** The errors of the newest revision that failed, while the last good one is still served. */
  lastError: { at: string; revision: string; errors: PolicyError[] } | null
  /** True when serving a last-good snapshot from --state-dir because the directory was invalid at start. */
  fromSnapshot: boolean
}

export interface StoreEvents {
  reloaded: [{ revision: string; previous: string }]
  'reload-failed': [{ revision: string; errors: PolicyError[]; repeated: boolean }]
}

export class PolicyStore extends EventEmitter<StoreEvents> implements PolicySource {
  private set: CompiledPolicySet
  private loadedAt = new Date()
  private lastError: StoreStatus['lastError'] = null
  private fromSnapshot = false
  private inFlight: Promise<ReloadOutcome> | undefined
  private again = false

  private constructor(readonly dir: string, set: CompiledPolicySet) {
    super()
    this.set = set
  }

  /** Loads the directory; the errors when it is invalid. */
  static async open(dir: string): Promise<{ ok: true; store: PolicyStore } | { ok: false; errors: PolicyError[] }> {
    const loaded = await loadPolicyDir(dir)
    if (!loaded.ok) return { ok: false, errors: loaded.errors }
    return { ok: true, store: new PolicyStore(dir, loaded.set) }
  }

  /** A store that starts from a given set (a last-good snapshot) and reloads from `dir`. */
  static fromSet(dir: string, set: CompiledPolicySet, fromSnapshot: boolean): PolicyStore {
    const store = new PolicyStore(dir, set)
    store.fromSnapshot = fromSnapshot
    return store
  }

  current(): CompiledPolicySet {
    return this.set
  }

  status(): StoreStatus {
    return {
      revision: this.set.revision,
      loadedAt: this.loadedAt.toISOString(),
      files: this.set.files,
      lastError: this.lastError,
      fromSnapshot: this.fromSnapshot,
    }
  }

  /**
   * Reloads from disk. Concurrent calls share the reload in flight, and a call that arrives while
   * one runs schedules exactly one more afterwards, so no change is missed and reloads never pile up.
   */
  reload(): Promise<ReloadOutcome> {
    if (this.inFlight) {
      this.again = true
      return this.inFlight
    }
    const run = async (): Promise<ReloadOutcome> => {
      let outcome: ReloadOutcome
      do {
        this.again = false
        outcome = await this.reloadOnce()
      } while (this.again)
      return outcome
    }
    this.inFlight = run().finally(() => { this.inFlight = undefined })
    return this.inFlight
  }

  private async reloadOnce(): Promise<ReloadOutcome> {
    const loaded = await loadPolicyDir(this.dir)
    const revision = loaded.contents.revision
    if (!loaded.ok) {
      const repeated = this.lastError?.revision === revision && sameErrors(this.lastError.errors, loaded.errors)
      if (!repeated) this.lastError = { at: new Date().toISOString(), revision, errors: loaded.errors }
      this.emit('reload-failed', { revision, errors: loaded.errors, repeated })
      return { ok: false, revision: this.set.revision, errors: loaded.errors }
    }
    this.lastError = null
    if (loaded.set.revision === this.set.revision && !this.fromSnapshot) {
      return { ok: true, revision: this.set.revision, changed: false }
    }
    const previous = this.set.revision
    this.set = loaded.set
    this.loadedAt = new Date()
    this.fromSnapshot = false
    this.emit('reloaded', { revision: loaded.set.revision, previous })
    return { ok: true, revision: loaded.set.revision, changed: true }
  }
}

function sameErrors(a: PolicyError[], b: PolicyError[]): boolean {
  return a.length === b.length && a.every((e, i) => {
    const f = b[i] as PolicyError
    return e.file === f.file && e.line === f.line && e.column === f.column && e.message === f.message
  })
}
