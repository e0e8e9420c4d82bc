/**
 * Every error code Portcullis reports, in one registry: policy diagnostics (`check`, reloads) and
 * the errors it answers dockerd with. docs/errors.md is generated from it (a test keeps the two
 * in sync).
 */
import { ERROR_CODES as POLICY_ERROR_CODES } from './policy/index.js'
import { PROTOCOL_ERROR_CODES } from './protocol/errors.js'

export const ERROR_CODES = { ...POLICY_ERROR_CODES, ...PROTOCOL_ERROR_CODES } as const
export type ErrorCode = keyof typeof ERROR_CODES
