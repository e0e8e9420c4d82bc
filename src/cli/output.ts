/** Human output helpers: colour only when allowed (a TTY and no NO_COLOR). */
import { formatError } from '../policy/index.js'
import type { PolicyError } from '../policy/index.js'
import type { CliIO } from './io.js'

const CODES = { red: 31, green: 32, yellow: 33, dim: 2, bold: 1 } as const

export function paint(io: CliIO, colour: keyof typeof CODES, text: string): string {
  return io.color ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text
}

/** Every error as `FILE:LINE:COL: message`, one per line, to stderr. */
export function printErrors(io: CliIO, errors: PolicyError[]): void {
  for (const e of errors) io.stderr(`${formatError(e)}\n`)
  io.stderr(`${paint(io, 'red', `${errors.length} error${errors.length === 1 ? '' : 's'}`)}: the policy set is invalid\n`)
}

export function json(io: CliIO, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`)
}
