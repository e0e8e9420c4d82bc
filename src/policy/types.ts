/** The engine's public types: what goes in (files, the host's view) and what comes out (decisions). */
import type { Phase, RequestInput, RequestView } from '../dockerd/request.js'

export type { Phase, RequestInput, RequestView }

export type Effect = 'allow' | 'deny'

/** One policy file as the engine receives it; `name` is how errors and decisions refer to it. */
export interface PolicySourceFile {
  name: string
  text: string
}

export interface SourceRef {
  file: string
  line: number
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

/** What decided: a rule, the default, or the request itself (a URI dockerd would not run, lists too long to read). */
export type DecisionReason = 'rule' | 'default' | 'rejected-uri' | 'too-large'

export interface Decision {
  allow: boolean
  /** The deciding rule's id; null for a default decision or a rejected URI. */
  rule: string | null
  /** Exactly the `Msg` sent to dockerd on a deny; '' on an allow. */
  message: string
  source: SourceRef | null
  reason: DecisionReason
}
