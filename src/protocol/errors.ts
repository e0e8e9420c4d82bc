/**
 * Codes of the errors Portcullis answers dockerd with (HTTP 500 `{"Err": "CODE: message"}`):
 * dockerd shows the text to the client as `plugin NAME failed with error: AuthZPlugin.AuthZReq:
 * CODE: message`, and fails the call closed.
 */
export const PROTOCOL_ERROR_CODES = {
  E_PROTOCOL_MALFORMED: ['The authorization request from dockerd is not a valid payload (not JSON, a field of the wrong type, a body that is not standard base64).', 'Nothing to fix in the policies: a client or proxy that is not dockerd sent it, or the payload was damaged. The call is refused.'],
  E_PROTOCOL_TOO_LARGE: ['The authorization request is larger than Portcullis reads (16 MiB).', 'dockerd forwards at most 4 MiB of body; a larger payload does not come from dockerd. The call is refused.'],
  E_PROTOCOL_UNKNOWN_ENDPOINT: ['A request to an endpoint the plugin protocol does not have.', 'Check the client: dockerd calls only /Plugin.Activate, /AuthZPlugin.AuthZReq and /AuthZPlugin.AuthZRes.'],
  E_EVALUATION_FAILED: ['Deciding the request failed (a bug in Portcullis); the call is refused.', 'Report it with the decision log line; the call is failed closed.'],
} as const satisfies Record<string, readonly [meaning: string, fix: string]>

export type ProtocolErrorCode = keyof typeof PROTOCOL_ERROR_CODES

/** The `Err` text of an HTTP 500: the code first, so a client's error names it. */
export function errText(code: ProtocolErrorCode, message: string): string {
  return `${code}: ${message}`
}
