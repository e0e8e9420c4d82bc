/**
 * The image the end-to-end containers run: Debian's static busybox with its applets as symlinks
 * (no registry is reachable on these machines), imported with `docker import`. The tar is built
 * once per test process, in a temporary directory removed at exit; importing it into a fresh
 * daemon takes about 0.2 s.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Dockerd } from './dockerd.js'

export const TEST_IMAGE = 'portcullis-test:latest'

let tar: string | undefined

/** Where busybox-static put its binary (dpkg knows; /bin/busybox on Debian). */
function busyboxPath(): string {
  const listed = spawnSync('dpkg', ['-L', 'busybox-static'], { encoding: 'utf8' })
  const found = listed.status === 0 ? listed.stdout.split('\n').find((l) => /\/bin\/busybox$/.test(l) && existsSync(l)) : undefined
  if (!found) {
    throw new Error('the end-to-end suite builds its image from Debian\'s busybox-static, which is not installed (apt-get install -y busybox-static; .ci/run does it)')
  }
  return found
}

/** The image tar (a rootfs of busybox + applet symlinks, minimal /etc and /tmp), built on first use. */
export function testImageTar(): string {
  if (tar) return tar
  const dir = mkdtempSync(path.join(tmpdir(), 'portcullis-e2e-image-'))
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }))
  const rootfs = path.join(dir, 'rootfs')
  mkdirSync(path.join(rootfs, 'bin'), { recursive: true })
  mkdirSync(path.join(rootfs, 'etc'))
  mkdirSync(path.join(rootfs, 'tmp'))
  chmodSync(path.join(rootfs, 'tmp'), 0o1777)
  const busybox = path.join(rootfs, 'bin', 'busybox')
  cpSync(busyboxPath(), busybox)
  const applets = spawnSync(busybox, ['--list'], { encoding: 'utf8' })
  if (applets.status !== 0) throw new Error(`busybox --list failed: ${applets.stderr}`)
  for (const applet of applets.stdout.split('\n')) {
    if (applet && applet !== 'busybox' && /^[\w.[-]+$/.test(applet)) symlinkSync('busybox', path.join(rootfs, 'bin', applet))
  }
  writeFileSync(path.join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n')
  writeFileSync(path.join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n')
  const out = path.join(dir, 'busybox.tar')
  const made = spawnSync('tar', ['--owner=0', '--group=0', '--numeric-owner', '-C', rootfs, '-cf', out, '.'], { encoding: 'utf8' })
  if (made.status !== 0) throw new Error(`tar failed: ${made.stderr}`)
  tar = out
  return out
}

/** `docker import` of the tar into `dockerd` as TEST_IMAGE (through the plugin: the policy must allow it). */
export async function importTestImage(dockerd: Dockerd, cli: string): Promise<void> {
  const r = await dockerd.docker(cli, ['import', testImageTar(), TEST_IMAGE])
  if (r.code !== 0 || !r.stdout.startsWith('sha256:')) throw new Error(`docker import failed (${r.code}): ${r.stdout}${r.stderr}`)
}
