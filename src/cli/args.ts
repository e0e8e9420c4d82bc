/** Flag parsing shared by every command: node's parseArgs, strict; any problem is a usage error. */
import { parseArgs } from 'node:util'
import type { ParseArgsConfig } from 'node:util'
import type { CliIO } from './io.js'

export const EXIT = { ok: 0, denied: 1, failed: 1, usage: 2, invalidPolicies: 3 } as const

export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>

export function parseFlags<O extends Options>(args: string[], options: O, positionals = false): ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: boolean; strict: true }>> {
  try {
    return parseArgs({ args, options, allowPositionals: positionals, strict: true })
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
}

/** Prints the error and the usage to stderr; returns the usage exit code. */
export function usageFailure(io: CliIO, usage: string, message: string): number {
  io.stderr(`portcullis: ${message}\n\n${usage}\n`)
  return EXIT.usage
}

/** The policy directory: --policies, else PORTCULLIS_POLICIES, else ./policies. */
export function policiesDir(flag: string | undefined, io: CliIO): string {
  return flag ?? io.env.PORTCULLIS_POLICIES ?? 'policies'
}
