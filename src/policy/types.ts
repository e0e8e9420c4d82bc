/** The engine's public types: what goes in (files, requests) and what comes out (decisions). */

export type Effect = 'allow' | 'deny'
export type Phase = 'request' | 'response'

/** One policy file as the engine receives it; `name` is how errors and decisions refer to it. */
export interface PolicySourceFile {
  name: string
  text: string
}

export interface SourceRef {
  file: string
  line: number
}

/**
 * One request, protocol-neutral: the server fills it from dockerd's payload, the CLI from flags
 * or a captured payload. Nothing here is normalised yet.
 */
export interface RequestInput {
  /** The TLS client certificate CN; undefined or '' = anonymous. */
  user?: string | undefined
  authMethod?: string | undefined
  method: string
  /** RequestUri exactly as dockerd sent it. */
  uri: string
  /** Request headers as dockerd forwarded them (one value per name). */
  headers?: Readonly<Record<string, string>> | undefined
  /** The decoded RequestBody; undefined when dockerd forwarded none. */
  body?: Uint8Array | undefined
  /** ResponseStatusCode (response phase); undefined when dockerd sent none. */
  status?: number | undefined
}

/** Things the engine may ask of the host it runs on, injected so the engine stays pure. */
export interface EvalEnv {
  /** The real path of an existing path (symlinks resolved), or undefined when it does not exist. */
  realpath?: ((path: string) => string | undefined) | undefined
  /**
   * The addresses a host name resolved to at decision time (the names `namesToResolve` lists);
   * undefined when it did not resolve in time. Without it, every name is unresolved.
   */
  lookup?: ((name: string) => readonly string[] | undefined) | undefined
  /** The host's own addresses (its interfaces). */
  hostAddresses?: (() => readonly string[]) | undefined
}

export interface Decision {
  allow: boolean
  /** The deciding rule's id; null for a default decision or a rejected URI. */
  rule: string | null
  /** Exactly the `Msg` sent to dockerd on a deny; '' on an allow. */
  message: string
  source: SourceRef | null
}

/** The request as rules see it (policy-language.md §4), as `eval --json` prints it. */
export interface RequestView {
  user: string | null
  method: string
  path: string
  query: Record<string, string[]>
  version: string | null
}
