/**
 * Host paths as the kernel resolves them: a bind of a symlink is a bind of its target, so a
 * symlink made in a temporary directory pointing at `/` (or at the policy directory) is caught by
 * the shipped policies, whichever way the request spells it.
 */
import assert from 'node:assert/strict'
import { cp, mkdir, symlink } from 'node:fs/promises'
import path from 'node:path'
import { after, before, test } from 'node:test'
import { hostEnv } from '../../src/host-env.js'
import { evaluate } from '../../src/policy/index.js'
import type { CompiledPolicySet } from '../../src/policy/index.js'
import { loadPolicyDir } from '../../src/store/load.js'
import { bindableDir, removeBindableDir, repoPath } from '../helpers/paths.js'

// The shipped set is copied to a directory the set itself does not protect (wherever the
// repository was cloned, /tmp or /home included), so that `{policies}` decides about it.
let shipped: CompiledPolicySet
let dir: string
let policies: string
before(async () => {
  dir = await bindableDir()
  policies = path.join(dir, 'policies')
  await cp(repoPath('policies'), policies, { recursive: true })
  const loaded = await loadPolicyDir(policies)
  if (!loaded.ok) throw new Error('shipped policies invalid')
  shipped = loaded.set
  await symlink('/', path.join(dir, 'root'))
  await symlink('/etc', path.join(dir, 'etc-link'))
  await symlink(policies, path.join(dir, 'policies-link'))
  await mkdir(path.join(dir, 'plain'))
})
after(() => removeBindableDir(dir))

const create = (hostConfig: unknown) => ({ method: 'POST', uri: '/v1.41/containers/create', body: new TextEncoder().encode(JSON.stringify({ Image: 'busybox', HostConfig: hostConfig })) })
const volume = (device: string) => ({ method: 'POST', uri: '/v1.41/volumes/create', body: new TextEncoder().encode(JSON.stringify({ Name: 'v', DriverOpts: { type: 'none', o: 'bind', device } })) })

const CASES: Array<[string, (d: string) => ReturnType<typeof create>, string | null]> = [
  ['a Binds source that is a symlink to /', (d) => create({ Binds: [`${d}/root:/host`] }), 'no-host-root-mounts'],
  ['the same symlink with a trailing slash and dot segments', (d) => create({ Binds: [`${d}/./root/:/host`] }), 'no-host-root-mounts'],
  ['a path below a symlink to /', (d) => create({ Binds: [`${d}/root/etc:/e`] }), 'no-host-root-mounts'],
  ['a Mounts bind of a symlink to /etc', (d) => create({ Mounts: [{ Type: 'bind', Source: `${d}/etc-link`, Target: '/e' }] }), 'no-host-root-mounts'],
  ['a path under a symlink that does not exist yet below it', (d) => create({ Binds: [`${d}/etc-link/not/yet:/x`] }), 'no-host-root-mounts'],
  ['a symlink to the policy directory ({policies})', (d) => create({ Binds: [`${d}/policies-link:/p`] }), 'no-mounts-of-the-gate'],
  ['the parent of the policy directory (it exposes the policies)', () => create({ Binds: [`${path.dirname(policies)}:/repo`] }), 'no-mounts-of-the-gate'],
  ['a directory of /tmp (root\'s tmux and ssh-agent sockets)', () => create({ Binds: ['/tmp/tmux-0:/t'] }), 'no-host-root-mounts'],
  ['a local volume whose device is a symlink to /', (d) => volume(`${d}/root`), 'no-host-volumes'],
  // dockerd hands a local volume's device to mount(2) uncleaned: `..` after a symlink is physical.
  ['a local volume device with .. after a symlink to /etc is /', (d) => volume(`${d}/etc-link/..`), 'no-host-volumes'],
  ['a plain directory is fine', (d) => create({ Binds: [`${d}/plain:/data`] }), null],
]

for (const [name, request, rule] of CASES) {
  test(`host paths – ${name}`, () => {
    const d = evaluate(shipped, request(dir), 'request', hostEnv)
    if (rule === null) assert.equal(d.allow, true, d.message)
    else {
      assert.equal(d.allow, false)
      assert.equal(d.rule, rule)
    }
  })
}

test('host paths – a policy directory whose name has glob characters still protects itself', async () => {
  const odd = path.join(dir, 'p{x,y}*')
  await mkdir(odd)
  await cp(repoPath('policies'), odd, { recursive: true })
  const loaded = await loadPolicyDir(odd)
  assert.equal(loaded.ok, true)
  if (!loaded.ok) return
  const d = evaluate(loaded.set, create({ Binds: [`${odd}/00-settings.yaml:/s`] }), 'request', hostEnv)
  assert.equal(d.rule, 'no-mounts-of-the-gate')
})

test('host paths – without the host view, the written path alone decides (the symlink passes)', () => {
  assert.equal(evaluate(shipped, create({ Binds: [`${dir}/root:/host`] }), 'request', {}).allow, true)
})
