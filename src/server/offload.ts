/**
 * Large payloads are decided in a worker thread, with a time budget that fails closed.
 *
 * dockerd forwards bodies up to 1 MiB (20.10) or 4 MiB (current engines), and waits for the plugin
 * without a timeout. Reading a 4 MiB body as Go does (strict JSON with every duplicate key, then
 * the readers) costs ~100 ms of one core; on the event loop that would hold every other API call
 * of every user behind it. So payloads above OFFLOAD_BYTES go to one worker thread (the second
 * core), in order, while the event loop keeps answering the small ones; a payload the worker
 * has not decided within the budget (queueing included) is denied, and a worker stuck on one is
 * replaced.
 */
import { Worker } from 'node:worker_threads'
import type { CompiledPolicySet, Phase, PolicySourceFile, ValidateOptions } from '../policy/index.js'
import type { PayloadOutcome } from './decide-payload.js'

/** Payloads up to this size are decided on the event loop: at most ~8 ms each (bench/run.ts). */
export const OFFLOAD_BYTES = 128 * 1024
/** How long a large payload may take, from arrival to answer. */
export const OFFLOAD_BUDGET_MS = 2000

export interface WorkerJob {
  id: number
  revision: string
  /** Sent once per revision: the worker compiles it. */
  policy?: { revision: string; sources: PolicySourceFile[]; options: ValidateOptions }
  payload: ArrayBuffer
  phase: Phase
  /** Epoch ms after which the worker does not start on it. */
  deadline: number
}

export type WorkerReply = { id: number; outcome: PayloadOutcome } | { id: number; expired: true }

/** A payload the worker did not decide in time: denied, saying so. */
export interface OffloadTimeout {
  timeout: true
  message: string
}

interface Pending {
  resolve: (o: PayloadOutcome | OffloadTimeout) => void
  timer: NodeJS.Timeout
}

export class DecisionOffload {
  private worker: Worker | undefined
  private sentRevision: string | undefined
  private nextId = 1
  private readonly pending = new Map<number, Pending>()

  constructor(private readonly budgetMs = OFFLOAD_BUDGET_MS) {}

  decide(set: CompiledPolicySet, raw: Uint8Array, phase: Phase): Promise<PayloadOutcome | OffloadTimeout> {
    const worker = this.spawn()
    const id = this.nextId++
    const payload = raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength) as ArrayBuffer
    const job: WorkerJob = { id, revision: set.revision, payload, phase, deadline: Date.now() + this.budgetMs }
    if (this.sentRevision !== set.revision) {
      job.policy = { revision: set.revision, sources: set.sources, options: set.validateOptions }
      this.sentRevision = set.revision
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        // Still running or queued past its budget: the worker may be stuck on this one. Replace
        // it; whatever else it held is answered the same way (fail closed).
        this.replace()
      }, this.budgetMs)
      this.pending.set(id, { resolve, timer })
      worker.postMessage(job, [payload])
    })
  }

  async close(): Promise<void> {
    const w = this.worker
    this.worker = undefined
    this.failAll()
    if (w) await w.terminate()
  }

  private spawn(): Worker {
    if (this.worker) return this.worker
    const worker = new Worker(new URL('./decide-worker.js', import.meta.url))
    worker.unref()
    worker.on('message', (reply: WorkerReply) => {
      const p = this.pending.get(reply.id)
      if (!p) return
      this.pending.delete(reply.id)
      clearTimeout(p.timer)
      p.resolve('expired' in reply ? this.timeout() : reply.outcome)
    })
    worker.on('error', () => { if (this.worker === worker) this.replace() })
    worker.on('exit', () => { if (this.worker === worker) this.replace() })
    this.worker = worker
    this.sentRevision = undefined
    return worker
  }

  private replace(): void {
    const w = this.worker
    this.worker = undefined
    this.failAll()
    void w?.terminate()
  }

  private failAll(): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer)
      p.resolve(this.timeout())
      this.pending.delete(id)
    }
  }

  private timeout(): OffloadTimeout {
    return { timeout: true, message: `Portcullis could not decide this request within ${this.budgetMs} ms (a large body); denied` }
  }
}
