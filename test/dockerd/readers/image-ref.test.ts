import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { normalizeImageRef } from '../../../src/dockerd/readers/index.js'

const HEX = '0123456789abcdef'.repeat(4)
const DIGEST = `sha256:${HEX}`

describe('normalizeImageRef: as dockerd resolves Image on create', () => {
  const rows: Array<{ name: string; ref: string; want: string | undefined }> = [
    { name: 'official image', ref: 'busybox', want: 'docker.io/library/busybox:latest' },
    { name: 'official image with tag', ref: 'busybox:1.36', want: 'docker.io/library/busybox:1.36' },
    { name: 'library/ prefix', ref: 'library/busybox', want: 'docker.io/library/busybox:latest' },
    { name: 'docker.io without library', ref: 'docker.io/busybox', want: 'docker.io/library/busybox:latest' },
    { name: 'already normalised', ref: 'docker.io/library/busybox:latest', want: 'docker.io/library/busybox:latest' },
    { name: 'legacy index.docker.io', ref: 'index.docker.io/busybox', want: 'docker.io/library/busybox:latest' },
    { name: 'user repository', ref: 'user/x', want: 'docker.io/user/x:latest' },
    { name: 'nested path on Docker Hub', ref: 'user/x/y:1', want: 'docker.io/user/x/y:1' },
    { name: 'localhost registry', ref: 'localhost/x', want: 'localhost/x:latest' },
    { name: 'registry with port', ref: 'localhost:5000/x', want: 'localhost:5000/x:latest' },
    { name: 'registry with dots', ref: 'registry.example.com/team/app:v1', want: 'registry.example.com/team/app:v1' },
    { name: 'registry with dots and port', ref: 'registry.example.com:443/app', want: 'registry.example.com:443/app:latest' },
    { name: 'registry host keeps its case', ref: 'Registry.Example.com/app', want: 'Registry.Example.com/app:latest' },
    { name: 'digest kept', ref: `busybox@${DIGEST}`, want: `docker.io/library/busybox@${DIGEST}` },
    { name: 'tag dropped next to a digest', ref: `busybox:evil@${DIGEST}`, want: `docker.io/library/busybox@${DIGEST}` },
    { name: 'image ID with algorithm', ref: DIGEST, want: DIGEST },
    { name: 'bare 64-hex image ID', ref: HEX, want: HEX },
    { name: 'short ID with algorithm', ref: 'sha256:0123ab', want: 'sha256:0123ab' },
    { name: 'hex-only name may be an ID prefix', ref: 'cafe', want: 'cafe' },
    { name: 'hex with a tag is a name', ref: 'cafe:latest', want: 'docker.io/library/cafe:latest' },
    { name: 'separators', ref: 'a.b_c__d-e---f', want: 'docker.io/library/a.b_c__d-e---f:latest' },
    { name: 'upper case repository', ref: 'Busybox', want: undefined },
    { name: 'upper case LOCALHOST is not a registry', ref: 'LOCALHOST/x', want: undefined },
    { name: 'empty', ref: '', want: undefined },
    { name: 'empty tag', ref: 'busybox:', want: undefined },
    { name: 'tag only', ref: ':latest', want: undefined },
    { name: 'short digest', ref: 'busybox@sha256:abc', want: undefined },
    { name: 'unsupported digest algorithm', ref: `busybox@md5:${HEX.slice(0, 32)}`, want: undefined },
    { name: 'upper-case digest hex', ref: `busybox@sha256:${HEX.toUpperCase()}`, want: undefined },
    { name: 'empty path component', ref: 'a//b', want: undefined },
    { name: 'leading separator', ref: '-busybox', want: undefined },
    { name: 'three underscores', ref: 'a___b', want: undefined },
    { name: 'port that is not a number', ref: 'x/y:5000/z', want: undefined },
    { name: 'name over 255 characters', ref: `r.io/${'a'.repeat(251)}`, want: undefined },
    { name: 'name of exactly 255 characters', ref: `r.io/${'a'.repeat(250)}`, want: `r.io/${'a'.repeat(250)}:latest` },
    { name: 'long invalid name (no exponential backtracking)', ref: `${'a'.repeat(1000)}!`, want: undefined },
    { name: 'huge reference', ref: 'a'.repeat(100000), want: undefined },
  ]
  for (const row of rows) {
    it(row.name, () => assert.equal(normalizeImageRef(row.ref), row.want))
  }
})
