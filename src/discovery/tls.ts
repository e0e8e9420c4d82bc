/**
 * go-connections `tlsconfig.Client` in Node terms: from a spec's `TLSConfig` to the options of
 * `tls.connect`, with moby's checks and error texts. Built when the client is created (for any
 * scheme, as moby does), so a missing CA or key fails activation even for a `tcp://` address.
 */
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createSecureContext, rootCertificates, type ConnectionOptions } from 'node:tls'
import { PluginClientConfigError } from './errors.js'
import { goQuote, pathErrorText } from '../go/text.js'
import type { TLSOptions } from './spec-file.js'

/** go-connections `defaultCipherSuites` (TLS 1.2), plus the TLS 1.3 suites Go always enables. */
const GO_CIPHERS = [
  'TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-CHACHA20-POLY1305', 'ECDHE-RSA-CHACHA20-POLY1305',
].join(':')

const TLS_VERSIONS: Record<number, 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'> = {
  0x0301: 'TLSv1', 0x0302: 'TLSv1.1', 0x0303: 'TLSv1.2', 0x0304: 'TLSv1.3',
}

function readOrFail(path: string, describe: (detail: string) => string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (err) {
    throw new PluginClientConfigError(describe(pathErrorText('open', path, err)))
  }
}

function hasCertificate(pem: string): boolean {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []
  return blocks.some((block) => {
    try {
      return Boolean(new X509Certificate(block))
    } catch {
      return false
    }
  })
}

/** `certPool`: the default roots plus the CA file, or the CA file alone with `ExclusiveRootPools`. */
function rootCAs(options: TLSOptions): string[] {
  const pem = readOrFail(options.CAFile, (detail) => `could not read CA certificate ${goQuote(options.CAFile)}: ${detail}`)
  if (!hasCertificate(pem)) throw new PluginClientConfigError(`failed to append certificates from PEM file: ${goQuote(options.CAFile)}`)
  return options.ExclusiveRootPools ? [pem] : [...rootCertificates, pem]
}

/** `getCert`: both files are read as soon as either is named. */
function clientCertificate(options: TLSOptions): { cert: string, key: string } | null {
  if (options.CertFile === '' && options.KeyFile === '') return null
  const keyPairError = (detail: string) => `could not load X509 key pair: ${detail}`
  const cert = readOrFail(options.CertFile, keyPairError)
  const key = readOrFail(options.KeyFile, keyPairError)
  const block = key.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/)
  if (block === null) throw new PluginClientConfigError(keyPairError('no valid private key found'))
  if (/Proc-Type:\s*4,ENCRYPTED/.test(block[0]) || block[0].includes('BEGIN ENCRYPTED PRIVATE KEY')) {
    throw new PluginClientConfigError(keyPairError('private key is encrypted; encrypted private keys are obsolete, and not supported'))
  }
  return { cert, key }
}

function minVersion(version: number): 'TLSv1.2' | 'TLSv1.3' {
  if (version === 0) return 'TLSv1.2'
  const name = TLS_VERSIONS[version]
  if (name === undefined) throw new PluginClientConfigError(`invalid minimum TLS version: ${version.toString(16)}`)
  if (name !== 'TLSv1.2' && name !== 'TLSv1.3') {
    throw new PluginClientConfigError('requested minimum TLS version is too low. Should be at-least: 303')
  }
  return name
}

/** `tlsconfig.Client(options)`: the CA is loaded only when verification is on. */
export function goTLSClientOptions(options: TLSOptions): ConnectionOptions {
  const result: ConnectionOptions = {
    rejectUnauthorized: !options.InsecureSkipVerify,
    ciphers: GO_CIPHERS,
  }
  if (!options.InsecureSkipVerify && options.CAFile !== '') result.ca = rootCAs(options)
  const pair = clientCertificate(options)
  if (pair !== null) Object.assign(result, pair)
  result.minVersion = minVersion(options.MinVersion)
  try {
    createSecureContext(result)
  } catch (err) {
    const mismatch = /key values mismatch/.test((err as Error).message)
    throw new PluginClientConfigError(
      mismatch ? 'could not load X509 key pair: tls: private key does not match public key' : `could not load X509 key pair: ${(err as Error).message}`,
    )
  }
  return result
}
