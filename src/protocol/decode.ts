/**
 * A dockerd authz payload (raw bytes) → a checked request, or the reason it is malformed.
 * Malformed means: empty, not JSON, not an object, a field of the wrong type, a missing method or
 * URI, or a body that is not the standard padded base64 Go's encoder writes. The server answers
 * those with HTTP 500 `{"Err": reason}`: never an allow.
 */

export interface DecodedAuthZ {
  user: string | undefined
  authMethod: string | undefined
  method: string
  uri: string
  headers: Record<string, string>
  body: Uint8Array | undefined
  status: number | undefined
  /** PEM texts of RequestPeerCertificates: the first is the client certificate dockerd verified. */
  peerCertificates: string[]
}

export type DecodeResult = { ok: true; request: DecodedAuthZ } | { ok: false; error: string }

/**
 * Standard base64 with padding, as Go's encoder writes it. A loop, not a regular expression: a
 * quantified group over a 5.6 MB string overflows V8's regexp stack.
 */
export function isStdBase64(s: string): boolean {
  if (s.length % 4 !== 0) return false
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0
  for (let i = 0; i < s.length - pad; i++) {
    const c = s.charCodeAt(i)
    const ok = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 43 || c === 47
    if (!ok) return false
  }
  return true
}

export function decodeAuthZPayload(raw: Uint8Array | string | undefined): DecodeResult {
  const text = typeof raw === 'string' ? raw : raw === undefined ? '' : Buffer.from(raw).toString('utf8')
  if (text.trim() === '') return fail('empty request body: expected a JSON authorization request')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    return fail(`request body is not JSON: ${(e as Error).message}`)
  }
  return decodeAuthZObject(value)
}

/** The same checks on an already parsed value (a captured payload, a test's wire form). */
export function decodeAuthZObject(value: unknown): DecodeResult {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('request body must be a JSON object')
  const o = value as Record<string, unknown>
  const problems: string[] = []
  const str = (key: string, required: boolean): string | undefined => {
    const v = o[key]
    if (v === undefined || v === null) {
      if (required) problems.push(`${key} is missing`)
      return undefined
    }
    if (typeof v !== 'string') {
      problems.push(`${key} must be a string`)
      return undefined
    }
    if (required && v === '') problems.push(`${key} is empty`)
    return v
  }
  const map = (key: string): Record<string, string> => {
    const v = o[key]
    if (v === undefined || v === null) return {}
    if (typeof v !== 'object' || Array.isArray(v) || Object.values(v).some((x) => typeof x !== 'string')) {
      problems.push(`${key} must be an object of strings`)
      return {}
    }
    return v as Record<string, string>
  }
  /** A base64 field: checked, and decoded only when someone reads it. */
  const base64 = (key: string): string | undefined => {
    const v = str(key, false)
    if (v === undefined || v === '') return undefined
    if (!isStdBase64(v)) {
      problems.push(`${key} is not valid base64`)
      return undefined
    }
    return v
  }

  const user = str('User', false)
  const authMethod = str('UserAuthNMethod', false)
  const method = str('RequestMethod', true)
  const uri = str('RequestUri', true)
  const headers = map('RequestHeaders')
  const body = base64('RequestBody')
  // The response's headers and body are checked (a malformed payload is refused) but not kept:
  // no rule reads them.
  map('ResponseHeaders')
  base64('ResponseBody')
  let status: number | undefined
  const s = o.ResponseStatusCode
  if (s !== undefined && s !== null) {
    if (typeof s !== 'number' || !Number.isInteger(s) || s < 0 || s > 999) problems.push('ResponseStatusCode must be an integer status')
    else if (s !== 0) status = s
  }
  const peerCertificates: string[] = []
  const certs = o.RequestPeerCertificates
  if (certs !== undefined && certs !== null) {
    if (!Array.isArray(certs) || certs.some((c) => typeof c !== 'string' || !isStdBase64(c))) {
      problems.push('RequestPeerCertificates must be a list of base64 strings')
    } else {
      for (const c of certs as string[]) peerCertificates.push(Buffer.from(c, 'base64').toString('utf8'))
    }
  }
  if (problems.length > 0) return fail(`malformed authorization request: ${problems.join('; ')}`)
  return {
    ok: true,
    request: {
      user: user === '' ? undefined : user,
      authMethod,
      method: method as string,
      uri: uri as string,
      headers,
      body: body === undefined ? undefined : Buffer.from(body, 'base64'),
      status,
      peerCertificates,
    },
  }
}

function fail(error: string): DecodeResult {
  return { ok: false, error }
}
