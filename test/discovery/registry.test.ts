/** §11 E 49–53 and the §5.1–5.3 rules: resolving and scanning plugin directories (moby `discovery*_test.go`). */
import assert from 'node:assert/strict'
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { test } from 'node:test'
import {
  defaultSpecDirs, InvalidPluginNameError, LocalRegistry, PluginNotFoundError, PluginSpecError, ScanError,
} from '../../src/discovery/index.js'
import { listenSocket, tempDir, writeJson } from './support.js'

/** moby's test layout: one temp dir as both the socket dir and the only spec dir. */
function registryIn(dir: string): LocalRegistry {
  return new LocalRegistry({ socketDir: dir, specDirs: [dir] })
}

function write(path: string, content: string): void {
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, content)
}

test('E49 – spec files: name from the file, address verbatim, TLS verification skipped', async (t) => {
  const dir = tempDir(t)
  const registry = registryIn(dir)
  const cases: Array<[string, string, string]> = [
    [join(dir, 'echo.spec'), 'echo', 'unix://var/lib/docker/plugins/echo.sock'],
    [join(dir, 'echo', 'echo.spec'), 'echo', 'unix://var/lib/docker/plugins/echo.sock'],
    [join(dir, 'foo.spec'), 'foo', 'tcp://localhost:8080'],
    [join(dir, 'foo', 'foo.spec'), 'foo', 'tcp://localhost:8080'],
    // listed by moby as a failure case its test tolerates; Go accepts it (scheme "localhost")
    [join(dir, 'bar.spec'), 'bar', 'localhost:8080'],
  ]
  for (const [path, name, addr] of cases) {
    write(path, addr)
    const spec = await registry.resolve(name)
    assert.equal(spec.name, name)
    assert.equal(spec.addr, addr)
    assert.equal(spec.kind, 'spec')
    assert.equal(spec.tlsConfig?.InsecureSkipVerify, true)
  }
})

test('E50 – JSON spec: name from the file, Addr verbatim, TLS paths kept; no TLSConfig ⇒ none', async (t) => {
  const dir = tempDir(t)
  const registry = registryIn(dir)
  writeFileSync(join(dir, 'example.json'), `{
  "Name": "plugin-example",
  "Addr": "https://example.com/docker/plugin",
  "TLSConfig": {
    "CAFile": "/usr/shared/docker/certs/example-ca.pem",
    "CertFile": "/usr/shared/docker/certs/example-cert.pem",
    "KeyFile": "/usr/shared/docker/certs/example-key.pem"
	}
}`)
  const spec = await registry.resolve('example')
  assert.equal(spec.name, 'example')
  assert.equal(spec.addr, 'https://example.com/docker/plugin')
  assert.equal(spec.tlsConfig?.CAFile, '/usr/shared/docker/certs/example-ca.pem')
  assert.equal(spec.tlsConfig?.CertFile, '/usr/shared/docker/certs/example-cert.pem')
  assert.equal(spec.tlsConfig?.KeyFile, '/usr/shared/docker/certs/example-key.pem')
  assert.equal(spec.tlsConfig?.InsecureSkipVerify, false)
  writeJson(join(dir, 'example.json'), { Name: 'plugin-example', Addr: 'https://example.com/docker/plugin' })
  assert.equal((await registry.resolve('example')).tlsConfig, null)
})

test('E51 – sockets: NAME.sock then NAME/NAME.sock, unix:// address, stable lookups, skip-verify', async (t) => {
  const dir = tempDir(t)
  const registry = registryIn(dir)
  mkdirSync(join(dir, 'echo'))
  for (const path of [join(dir, 'echo.sock'), join(dir, 'echo', 'echo.sock')]) {
    const close = await listenSocket(t, path)
    const first = await registry.resolve('echo')
    assert.deepEqual(await registry.resolve('echo'), first)
    assert.equal(first.name, 'echo')
    assert.equal(first.addr, `unix://${path}`)
    assert.equal(first.kind, 'socket')
    assert.equal(first.tlsConfig?.InsecureSkipVerify, true)
    await close()
  }
})

test('E52 – scan: empty directories give no names; after writing echo.spec, exactly ["echo"]', async (t) => {
  const dir = tempDir(t)
  const registry = registryIn(dir)
  assert.deepEqual(await registry.scan(), [])
  writeFileSync(join(dir, 'echo.spec'), 'unix://var/lib/docker/plugins/echo.sock')
  assert.equal((await registry.resolve('echo')).name, 'echo')
  assert.deepEqual(await registry.scan(), ['echo'])
})

test('E53 – scan ignores subdirectory entries named differently from their directory', async (t) => {
  const dir = tempDir(t)
  const registry = registryIn(dir)
  mkdirSync(join(dir, 'not-a-plugin'))
  await listenSocket(t, join(dir, 'not-a-plugin', 'foo.sock'))
  writeFileSync(join(dir, 'not-a-plugin', 'foo.spec'), '')
  assert.deepEqual(await registry.scan(), [])
  writeFileSync(join(dir, 'not-a-plugin', 'not-a-plugin.spec'), '')
  assert.deepEqual(await registry.scan(), ['not-a-plugin'])
})

test('§5.2 probe order: sockets must be sockets; first existing spec wins with no fallback', async (t) => {
  const sockets = tempDir(t)
  const first = tempDir(t)
  const second = tempDir(t)
  const registry = new LocalRegistry({ socketDir: sockets, specDirs: [first, second] })
  writeFileSync(join(sockets, 'p.sock'), 'a regular file is skipped')
  writeJson(join(first, 'p.json'), { Addr: 'tcp://127.0.0.1:2' })
  writeFileSync(join(second, 'p.spec'), 'tcp://127.0.0.1:3')
  assert.equal((await registry.resolve('p')).addr, 'tcp://127.0.0.1:2') // spec dirs in order, .spec before .json within one
  write(join(first, 'p', 'p.spec'), '127.0.0.1:8080')
  await assert.rejects(registry.resolve('p'), (err: unknown) => {
    assert.ok(err instanceof PluginSpecError)
    assert.equal(err.message, 'parse "127.0.0.1:8080": first path segment in URL cannot contain colon')
    assert.equal(err.path, join(first, 'p', 'p.spec'))
    return true
  })
  mkdirSync(join(first, 'd.spec'))
  writeFileSync(join(second, 'd.spec'), 'tcp://127.0.0.1:4')
  await assert.rejects(registry.resolve('d'), { message: `read ${join(first, 'd.spec')}: is a directory` })
  symlinkSync(join(first, 'missing'), join(first, 'dangling.spec'))
  await assert.rejects(registry.resolve('dangling'), PluginNotFoundError)
  await assert.rejects(registry.resolve('nothing'), { message: 'could not find plugin nothing in v1 plugin registry: plugin not found' })
})

test('§5.2 .spec contents as Go url.Parse sees them: accepted, "Unknown protocol", parse errors', async (t) => {
  const dir = tempDir(t)
  const registry = registryIn(dir)
  const cases: Array<[string, string | null]> = [
    ['unix:///run/docker/plugins/x.sock', null],
    ['  tcp://127.0.0.1:9000\n', null],
    ['tcp://[::1]:9000', null],
    ['anything:goes', null],
    ['', 'Unknown protocol'],
    ['/run/docker/plugins/x.sock', 'Unknown protocol'],
    ['foo', 'Unknown protocol'],
    ['\ufefftcp://127.0.0.1:1', 'parse "\\ufefftcp://127.0.0.1:1": first path segment in URL cannot contain colon'],
    ['tcp://127.0.0.1:1\ntcp://127.0.0.1:2', 'parse "tcp://127.0.0.1:1\\ntcp://127.0.0.1:2": net/url: invalid control character in URL'],
    ['http://localhost:1:2', 'parse "http://localhost:1:2": invalid port ":1:2" after host'],
    ['tcp://a[::1]:80', 'parse "tcp://a[::1]:80": invalid IP-literal'],
    ['tcp://[127.0.0.1]:80', 'parse "tcp://[127.0.0.1]:80": invalid IP-literal'],
    ['tcp://host name:80', 'parse "tcp://host name:80": invalid character " " in host name'],
    ['tcp://127.0.0.1:1/%zz', 'parse "tcp://127.0.0.1:1/%zz": invalid URL escape "%zz"'],
    [':8080', 'parse ":8080": missing protocol scheme'],
  ]
  for (const [content, error] of cases) {
    writeFileSync(join(dir, 'x.spec'), content)
    if (error === null) assert.equal((await registry.resolve('x')).addr, content.trim(), content)
    else await assert.rejects(registry.resolve('x'), { name: 'PluginSpecError', message: error }, content)
  }
})

test('§5.2 .json as Go decodes it: case-insensitive keys, last one wins, trailing bytes ignored, typed errors', async (t) => {
  const dir = tempDir(t)
  const registry = registryIn(dir)
  const file = join(dir, 'j.json')
  writeFileSync(file, '{"addr":"tcp://a:1","ADDR":"tcp://b:2","tlsconfig":{"cafile":"/ca.pem","insecureSKIPverify":false}} and then junk')
  const spec = await registry.resolve('j')
  assert.equal(spec.addr, 'tcp://b:2')
  assert.equal(spec.tlsConfig?.CAFile, '/ca.pem')
  writeFileSync(file, '{"Addr":"tcp://c:3","TLSConfig":{}}')
  assert.equal((await registry.resolve('j')).tlsConfig?.InsecureSkipVerify, true) // TLSConfig without CAFile
  const errors: Array<[string, string]> = [
    ['', 'EOF'],
    ['{"Addr":', 'unexpected EOF'],
    ['{"Addr":5}', 'json: cannot unmarshal number into Go struct field Plugin.Addr of type string'],
    ['{"TLSConfig":{"MinVersion":70000}}', 'json: cannot unmarshal number 70000 into Go struct field Options.TLSConfig.MinVersion of type uint16'],
    ['["tcp://x:1"]', 'json: cannot unmarshal array into Go value of type plugins.Plugin'],
    ['{Addr:1}', "invalid character 'A' looking for beginning of object key string"],
  ]
  for (const [content, message] of errors) {
    writeFileSync(file, content)
    await assert.rejects(registry.resolve('j'), { name: 'PluginSpecError', message }, content)
  }
})

test('§5.3 scan quirks: any extension stripped, socket types only, X/X hides X/X.json, dirs named *.spec, duplicates', async (t) => {
  const sockets = tempDir(t)
  const specs = tempDir(t)
  const registry = new LocalRegistry({ socketDir: sockets, specDirs: [specs] })
  await listenSocket(t, join(sockets, 'bar'))
  await listenSocket(t, join(sockets, 'a.b.sock'))
  await listenSocket(t, join(sockets, 'dup.sock'))
  mkdirSync(join(sockets, 'nested'))
  await listenSocket(t, join(sockets, 'nested', 'nested.sock'))
  symlinkSync(join(sockets, 'dup.sock'), join(sockets, 'link.sock'))
  writeFileSync(join(sockets, 'file.sock'), '')
  writeFileSync(join(specs, 'dup.spec'), 'tcp://127.0.0.1:1')
  write(join(specs, 'hidden', 'hidden'), '')
  write(join(specs, 'hidden', 'hidden.json'), '{}')
  write(join(specs, 'both', 'both.spec'), 'tcp://127.0.0.1:1')
  write(join(specs, 'both', 'both.json'), '{}')
  mkdirSync(join(specs, 'dir.spec'))
  symlinkSync(join(specs, 'missing'), join(specs, 'dangling.json'))
  writeFileSync(join(specs, 'notes.txt'), '')
  assert.deepEqual(await registry.scan(), ['a.b', 'bar', 'dup', 'nested', 'both', 'dangling', 'dir', 'dup'])
  await assert.rejects(registry.resolve('bar'), PluginNotFoundError) // scan lists it, resolve wants bar.sock
  assert.equal((await registry.resolve('link')).addr, `unix://${join(sockets, 'link.sock')}`) // resolve follows the symlink
  assert.equal((await registry.resolve('hidden')).kind, 'json')
})

test('§5.3 scan errors: missing directories are fine, a socket dir that is a file is not', async (t) => {
  const dir = tempDir(t)
  assert.deepEqual(await new LocalRegistry({ socketDir: join(dir, 'none'), specDirs: [join(dir, 'none2')] }).scan(), [])
  writeFileSync(join(dir, 'file'), '')
  await assert.rejects(new LocalRegistry({ socketDir: join(dir, 'file'), specDirs: [] }).scan(), (err: unknown) => {
    assert.ok(err instanceof ScanError)
    assert.equal(err.message, `error reading dir entries: readdirent ${join(dir, 'file')}: not a directory`)
    return true
  })
})

test('§5.1 default directories, rootful and rootless (with moby\'s inverted config-dir check)', () => {
  const noHome = () => { throw new Error('no user') }
  assert.deepEqual(defaultSpecDirs({}), ['/etc/docker/plugins', '/usr/lib/docker/plugins'])
  assert.deepEqual(defaultSpecDirs({ ROOTLESSKIT_STATE_DIR: '/run/user/1000/dockerd-rootless', HOME: '/home/u' }),
    ['/etc/docker/plugins', '/home/u/.local/lib/docker/plugins'])
  assert.deepEqual(defaultSpecDirs({ ROOTLESSKIT_STATE_DIR: '/x', XDG_CONFIG_HOME: '/home/u/.cfg' }, noHome),
    ['/etc/docker/plugins', '/usr/lib/docker/plugins'])
  assert.deepEqual(defaultSpecDirs({ ROOTLESSKIT_STATE_DIR: '/x' }, noHome), ['docker/plugins', '/usr/lib/docker/plugins'])
  assert.deepEqual(defaultSpecDirs({ ROOTLESSKIT_STATE_DIR: '/x' }, () => '/home/pw'), ['/etc/docker/plugins', '/home/pw/.local/lib/docker/plugins'])
  const registry = new LocalRegistry({ env: { ROOTLESSKIT_STATE_DIR: '/x', HOME: '/h' } })
  assert.equal(registry.socketDir, '/run/docker/plugins')
  assert.deepEqual(registry.specDirs, ['/etc/docker/plugins', '/h/.local/lib/docker/plugins'])
})

test('§5.2 names with a ".." segment or a NUL byte are refused before touching the disk', async (t) => {
  const registry = registryIn(tempDir(t))
  for (const name of ['..', '../etc/passwd', 'a/../../b', 'nul\0byte']) {
    await assert.rejects(registry.resolve(name), InvalidPluginNameError, JSON.stringify(name))
  }
  await assert.rejects(registry.resolve('a..b'), PluginNotFoundError)
})
