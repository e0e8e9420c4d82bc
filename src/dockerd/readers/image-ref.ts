/**
 * Image references as dockerd 20.10 resolves `Image` on container create
 * (`daemon/images/image.go` GetImage → `reference.ParseAnyReference`, docker/distribution
 * `reference/normalize.go`, `reference/store.go`):
 *
 * - 64 lowercase hex digits, or a valid digest (`sha256:<64 hex>`), is an image ID: kept as given.
 * - Otherwise the name is normalised: `busybox` → `docker.io/library/busybox:latest`,
 *   `user/x` → `docker.io/user/x:latest`, `index.docker.io/x` → `docker.io/library/x:latest`;
 *   a first component with `.` or `:`, or `localhost`, is a registry and kept as written.
 * - With both a tag and a digest, dockerd looks the image up by digest only (`reference/store.go`
 *   Get), so the tag is dropped: `busybox:evil@sha256:…` → `docker.io/library/busybox@sha256:…`.
 * - When the name is not in the local store, dockerd falls back to an image-ID prefix search
 *   (`imageStore.Search`): `cafe` or `sha256:ca` may run an image whose ID starts with those
 *   digits. References that can be read so (only hex digits, or `sha256:` + anything) are kept
 *   as given, so that only a pattern naming that ID matches them.
 */

const ALNUM = '[a-z0-9]+'
// Go's separator `(?:[._]|__|[-]*)` may be empty; requiring a non-empty one here describes the
// same names without the ambiguity that makes backtracking regexps exponential.
const NAME_COMPONENT = `${ALNUM}(?:(?:[._]|__|-+)${ALNUM})*`
const DOMAIN_COMPONENT = '[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?'
const DOMAIN = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*(?::[0-9]+)?`
const TAG = '[0-9A-Za-z_][0-9A-Za-z_.-]{0,127}'
const DIGEST = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9A-Fa-f]{32,}'
const NAME = `(?:${DOMAIN}/)?${NAME_COMPONENT}(?:/${NAME_COMPONENT})*`
const REFERENCE = new RegExp(`^(${NAME})(?::(${TAG}))?(?:@(${DIGEST}))?$`)

const NAME_TOTAL_LENGTH_MAX = 255
/** Longer than any valid reference (name 255, tag 128, sha512 digest): rejected before any regexp. */
const MAX_REFERENCE_LENGTH = 1024

const IDENTIFIER = /^[a-f0-9]{64}$/
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 }

/** go-digest `Parse`: an available algorithm and its exact lowercase hex length. */
function isValidDigest(s: string): boolean {
  const i = s.indexOf(':')
  if (i <= 0) return false
  const length = DIGEST_HEX_LENGTH[s.slice(0, i)]
  return length !== undefined && new RegExp(`^[a-f0-9]{${length}}$`).test(s.slice(i + 1))
}

/** docker/distribution `splitDockerDomain`. */
function splitDockerDomain(name: string): [string, string] {
  const i = name.indexOf('/')
  let domain: string
  let remainder: string
  const first = name.slice(0, i)
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost')) {
    domain = 'docker.io'
    remainder = name
  } else {
    domain = first
    remainder = name.slice(i + 1)
  }
  if (domain === 'index.docker.io') domain = 'docker.io'
  if (domain === 'docker.io' && !remainder.includes('/')) remainder = `library/${remainder}`
  return [domain, remainder]
}

/**
 * The reference dockerd resolves `ref` to, written in full (`docker.io/library/busybox:latest`);
 * an image ID or ID prefix as given; undefined when dockerd rejects the reference.
 */
export function normalizeImageRef(ref: string): string | undefined {
  if (ref === '' || ref.length > MAX_REFERENCE_LENGTH) return undefined
  if (IDENTIFIER.test(ref) || isValidDigest(ref)) return ref
  if (ref.startsWith('sha256:') || /^[a-f0-9]+$/.test(ref)) return ref

  const [domain, remainder] = splitDockerDomain(ref)
  const colon = remainder.indexOf(':')
  const remoteName = colon === -1 ? remainder : remainder.slice(0, colon)
  if (remoteName.toLowerCase() !== remoteName) return undefined
  const m = REFERENCE.exec(`${domain}/${remainder}`)
  if (m === null) return undefined
  const [, name = '', tag, digest] = m
  if (name.length > NAME_TOTAL_LENGTH_MAX) return undefined
  if (digest !== undefined) return isValidDigest(digest) ? `${name}@${digest}` : undefined
  return `${name}:${tag ?? 'latest'}`
}

/**
 * The registry host a reference names, as dockerd contacts it for a pull, push or manifest
 * (`reference.ParseNormalizedNamed` → `reference.Domain`): lower-cased and without its port,
 * `docker.io` for Docker Hub; undefined when dockerd rejects the reference (or it is an image ID,
 * which names no registry).
 */
export function registryOf(ref: string): string | undefined {
  const normalized = normalizeImageRef(ref)
  if (normalized === undefined || !normalized.includes('/')) return undefined
  const domain = normalized.slice(0, normalized.indexOf('/'))
  return domain.replace(/:[0-9]+$/, '').toLowerCase()
}
