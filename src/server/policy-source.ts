/** What the server needs from whoever holds the policies (the store, or a fixed set in tests). */
import type { CompiledPolicySet, PolicyError } from '../policy/index.js'

export interface PolicySource {
  /** The revision every decision of this moment is made with. */
  current(): CompiledPolicySet
  /** For GET /-/status. */
  status(): unknown
  /** Reload now; resolves with the outcome. */
  reload(): Promise<ReloadOutcome>
}

export type ReloadOutcome =
  | { ok: true; revision: string; changed: boolean }
  | { ok: false; revision: string; errors: PolicyError[] }

/** A source that never changes: for tests and one-shot tools. */
export function fixedPolicySource(set: CompiledPolicySet): PolicySource {
  return {
    current: () => set,
    status: () => ({ revision: set.revision, files: set.files, lastError: null }),
    reload: async () => ({ ok: true, revision: set.revision, changed: false }),
  }
}
