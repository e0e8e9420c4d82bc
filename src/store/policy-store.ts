/**
 * The policy store: one compiled revision at a time, swapped atomically. A request reads
 * `current()` once and is decided entirely by that revision. A reload that fails (YAML, validation,
 * an unreadable file, the directory gone) keeps the last good revision and records the errors.
 */
import { EventEmitter } from 'node:events'
import type { CompiledPolicySet, PolicyError, PolicySourceFile } from '../policy/index.js'
import type { PolicySource, ReloadOutcome } from '../server/policy-source.js'
import { compilePolicyDir, loadPolicyDir, readPolicyDir } from './load.js'
import { readSnapshot, writeSnapshot } from './snapshot.js'

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
  'snapshot-failed': [{ error: string }]
}

export class PolicyStore extends EventEmitter<StoreEvents> implements PolicySource {
  private set: CompiledPolicySet
  private loadedAt = new Date()
  private lastError: StoreStatus['lastError'] = null
  private fromSnapshot = false
  private inFlight: Promise<ReloadOutcome> | undefined
  private again = false

  private constructor(readonly dir: string, set: CompiledPolicySet, private readonly stateDir: string | undefined) {
    super()
    this.set = set
  }

  /**
   * Loads the directory. When it is invalid and `stateDir` holds a last-good snapshot, the store
   * starts from the snapshot (`fromSnapshot` in its status) and keeps trying the directory;
   * without one, the errors.
   */
  static async open(dir: string, options: { stateDir?: string | undefined } = {}): Promise<
    { ok: true; store: PolicyStore; snapshotBecause?: PolicyError[] } | { ok: false; errors: PolicyError[] }
  > {
    const loaded = await loadPolicyDir(dir)
    if (loaded.ok) {
      const store = new PolicyStore(dir, loaded.set, options.stateDir)
      await store.saveSnapshot(loaded.contents.policies)
      return { ok: true, store }
    }
    const snapshot = options.stateDir ? await readSnapshot(options.stateDir, dir) : undefined
    if (!snapshot) return { ok: false, errors: loaded.errors }
    const store = new PolicyStore(dir, snapshot, options.stateDir)
    store.fromSnapshot = true
    store.lastError = { at: new Date().toISOString(), revision: loaded.contents.revision, errors: loaded.errors }
    return { ok: true, store, snapshotBecause: loaded.errors }
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
    const contents = await readPolicyDir(this.dir)
    const revision = contents.revision
    // Unchanged files need no compiling: the periodic check costs a read and a hash.
    if (contents.errors.length === 0) {
      if (revision === this.set.revision && !this.fromSnapshot && this.lastError === null) {
        return { ok: true, revision, changed: false }
      }
      if (this.lastError?.revision === revision) {
        this.emit('reload-failed', { revision, errors: this.lastError.errors, repeated: true })
        return { ok: false, revision: this.set.revision, errors: this.lastError.errors }
      }
    }
    const loaded = await compilePolicyDir(this.dir, contents)
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
    await this.saveSnapshot(contents.policies)
    return { ok: true, revision: loaded.set.revision, changed: true }
  }

  private async saveSnapshot(files: PolicySourceFile[]): Promise<void> {
    if (this.stateDir === undefined) return
    try {
      await writeSnapshot(this.stateDir, this.dir, this.set.revision, files)
    } catch (e) {
      this.emit('snapshot-failed', { error: (e as Error).message })
    }
  }
}

function sameErrors(a: PolicyError[], b: PolicyError[]): boolean {
  return a.length === b.length && a.every((e, i) => {
    const f = b[i] as PolicyError
    return e.file === f.file && e.line === f.line && e.column === f.column && e.message === f.message
  })
}
