/** A decoded dockerd payload → the engine's protocol-neutral request. */
import type { Phase, RequestInput } from '../dockerd/request.js'
import type { DecodedAuthZ } from './decode.js'

export function toRequestInput(r: DecodedAuthZ, phase: Phase): RequestInput {
  return {
    user: r.user,
    authMethod: r.authMethod,
    method: r.method,
    uri: r.uri,
    headers: r.headers,
    body: r.body,
    status: phase === 'response' ? r.status : undefined,
  }
}
