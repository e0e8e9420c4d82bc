/**
 * The decision worker's thread (see offload.ts): compiles the policy revisions it is sent and
 * decides payloads with exactly the function the event loop uses.
 */
import { parentPort } from 'node:worker_threads'
import { hostEnv, resolveNames } from '../host-env.js'
import { compileSources } from '../policy/index.js'
import type { CompiledPolicySet } from '../policy/index.js'
import { unreadDraft } from '../decision/record.js'
import { errText } from '../protocol/errors.js'
import { decidePayload } from './decide-payload.js'
import type { WorkerJob, WorkerReply } from './offload.js'

const sets = new Map<string, CompiledPolicySet>()

parentPort?.on('message', (job: WorkerJob) => { void handle(job) })

async function handle(job: WorkerJob): Promise<void> {
  const reply = (r: WorkerReply): void => parentPort?.postMessage(r)
  if (job.policy) {
    const compiled = compileSources(job.policy.sources, job.policy.revision, job.policy.options)
    if (compiled.ok) {
      sets.set(job.policy.revision, compiled.set)
      // The revision served now and the one before it, for payloads still in flight.
      for (const key of sets.keys()) if (sets.size > 2) sets.delete(key)
    }
  }
  const set = sets.get(job.revision)
  if (!set) {
    const err = errText('E_EVALUATION_FAILED', `the decision worker has no policy revision ${job.revision}`)
    reply({ id: job.id, outcome: { reply: { err }, record: { ...unreadDraft('malformed-payload', err), reason: 'evaluation-error' } } })
    return
  }
  if (Date.now() > job.deadline) {
    reply({ id: job.id, expired: true })
    return
  }
  reply({ id: job.id, outcome: await decidePayload(set, new Uint8Array(job.payload), job.phase, hostEnv, resolveNames) })
}
