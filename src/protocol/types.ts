/**
 * dockerd's authz wire contract (moby pkg/authorization/api.go). Docker's PascalCase names appear
 * only here. Every field is `omitempty` on the daemon side: absent, never empty.
 */

export const ACTIVATE_PATH = '/Plugin.Activate'
export const AUTHZ_REQUEST_PATH = '/AuthZPlugin.AuthZReq'
export const AUTHZ_RESPONSE_PATH = '/AuthZPlugin.AuthZRes'
export const AUTHZ_IMPLEMENTS = 'authz'

/** What dockerd POSTs to AuthZReq and (with the Response* fields) to AuthZRes. */
export interface AuthZRequestWire {
  User?: string
  UserAuthNMethod?: string
  RequestMethod: string
  RequestUri: string
  /** Standard base64 of the raw body. */
  RequestBody?: string
  RequestHeaders?: Record<string, string>
  /** Each: base64 of a PEM certificate. */
  RequestPeerCertificates?: string[]
  ResponseStatusCode?: number
  ResponseBody?: string
  ResponseHeaders?: Record<string, string>
}

/** Our reply, always with HTTP 200. `Err` is only honoured by dockerd with a non-200 status. */
export interface AuthZResponseWire {
  Allow: boolean
  Msg?: string
}

export interface ActivateResponseWire {
  Implements: string[]
}
