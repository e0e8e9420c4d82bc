/**
 * Where dockerd finds the plugin: a Unix socket in /run/docker/plugins (the default), or a TCP
 * port announced by a spec file in /etc/docker/plugins. Both are removed again on close.
 */
import { connect } from 'node:net'
import { chmod, lstat, mkdir, rename, rm, unlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { FastifyInstance } from 'fastify'

export class ListenError extends Error {}

/**
 * Listens on `socketPath` (mode 0660, directory created). A stale socket left by a crashed run is
 * replaced; a socket another live process listens on is never taken over.
 */
export async function listenOnUnixSocket(app: FastifyInstance<any, any, any, any>, socketPath: string): Promise<void> { // eslint-disable-line @typescript-eslint/no-explicit-any
  await mkdir(path.dirname(socketPath), { recursive: true })
  const existing = await lstat(socketPath).catch(() => undefined)
  if (existing) {
    if (!existing.isSocket()) {
      throw new ListenError(`${socketPath} exists and is not a socket; remove it or choose another --socket`)
    }
    if (await isLive(socketPath)) {
      throw new ListenError(`another process is already serving ${socketPath}; stop it first, or choose another --name or --socket`)
    }
    await unlink(socketPath)
  }
  await app.listen({ path: socketPath })
  await chmod(socketPath, 0o660)
}

/** Whether something accepts connections on the socket. */
function isLive(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(socketPath)
    s.once('connect', () => { s.destroy(); resolve(true) })
    s.once('error', () => resolve(false))
  })
}

/**
 * Listens on TCP and writes `specDir/NAME.spec` with `tcp://HOST:PORT` (the port actually bound, so
 * port 0 works). Returns the spec file's path; `removeSpecFile` deletes it.
 */
export async function listenOnTcp(app: FastifyInstance<any, any, any, any>, host: string, port: number, specDir: string, name: string): Promise<{ address: string; specFile: string }> { // eslint-disable-line @typescript-eslint/no-explicit-any
  await app.listen({ host, port })
  const bound = app.server.address()
  const actualPort = typeof bound === 'object' && bound ? bound.port : port
  const hostPart = host.includes(':') ? `[${host}]` : host
  const address = `tcp://${hostPart}:${actualPort}`
  await mkdir(specDir, { recursive: true })
  const specFile = path.join(specDir, `${name}.spec`)
  // Written whole and renamed into place, so dockerd (or a scan) never reads half a spec file.
  const temp = path.join(specDir, `.${name}.spec.${process.pid}.tmp`)
  await writeFile(temp, `${address}\n`, { mode: 0o644 })
  await rename(temp, specFile)
  return { address, specFile }
}

export async function removeFile(file: string): Promise<void> {
  await rm(file, { force: true })
}
