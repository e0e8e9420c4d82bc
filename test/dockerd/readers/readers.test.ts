import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { parseJson, type JsonNode } from '../../../src/dockerd/json/parse.js'
import {
  bindSource, readContainerCreate, readExecCreate, readLegacyStart,
  readNetworkCreate, readVolumeCreate, type ContainerFacts, type NetworkFacts, type VolumeFacts,
} from '../../../src/dockerd/readers/index.js'
import { normalizeCapability, normalizeSecurityOpt } from '../../../src/dockerd/names.js'

/** Asserts each fact the row names; facts it does not name are free. */
function assertFacts<T extends object>(facts: T, want: Partial<T>, body: string): void {
  for (const [key, value] of Object.entries(want)) {
    assert.deepEqual(facts[key as keyof T], value, `${key} of ${body}`)
  }
}

function json(text: string): JsonNode {
  const node = parseJson(text)
  assert.notEqual(node, undefined, `test body is not JSON: ${text}`)
  return node as JsonNode
}

const DIGEST = `sha256:${'ab'.repeat(32)}`
const LOCAL_BIND_ROOT = '{"Name":"local","Options":{"type":"none","o":"bind","device":"/"}}'

type Kind = 'create' | 'exec' | 'start'
interface ContainerRow {
  name: string
  kind?: Kind
  /** The raw body text (duplicate keys allowed). */
  body: string
  want: Partial<ContainerFacts>
}

const read: Record<Kind, (root: JsonNode) => ContainerFacts> = {
  create: readContainerCreate,
  exec: readExecCreate,
  start: readLegacyStart,
}

// Each row re-spells a dangerous container request; `want` lists the facts the rule must see.
const containerRows: ContainerRow[] = [
  // Bind sources, cleaned as Go's path.Clean.
  { name: 'Binds //:/host', body: '{"HostConfig":{"Binds":["//:/host"]}}', want: { hostMounts: ['/'] } },
  { name: 'Binds /etc/..:/host', body: '{"HostConfig":{"Binds":["/etc/..:/host"]}}', want: { hostMounts: ['/'] } },
  { name: 'Binds /./:/host', body: '{"HostConfig":{"Binds":["/./:/host"]}}', want: { hostMounts: ['/'] } },
  { name: 'Binds trailing slash', body: '{"HostConfig":{"Binds":["/etc/:/host"]}}', want: { hostMounts: ['/etc'] } },
  { name: 'Binds docker socket', body: '{"HostConfig":{"Binds":["/var/run/docker.sock:/s"]}}', want: { hostMounts: ['/var/run/docker.sock'] } },
  { name: 'Binds socket re-spelled with mode', body: '{"HostConfig":{"Binds":["/var//run/./docker.sock:/s:ro"]}}', want: { hostMounts: ['/var/run/docker.sock'] } },
  { name: 'Binds /tmp/../etc', body: '{"HostConfig":{"Binds":["/tmp/../etc:/host:ro"]}}', want: { hostMounts: ['/etc'] } },
  { name: 'Binds /run/docker.sock/', body: '{"HostConfig":{"Binds":["/run/docker.sock/:/s:rw,z"]}}', want: { hostMounts: ['/run/docker.sock'] } },
  { name: 'Binds /.. escapes nothing', body: '{"HostConfig":{"Binds":["/../../var/lib/docker:/d"]}}', want: { hostMounts: ['/var/lib/docker'] } },
  { name: 'Binds named volume is not a host path', body: '{"HostConfig":{"Binds":["etc:/host"]}}', want: { hostMounts: [] } },
  { name: 'Binds Windows spelling is a volume on Linux', body: '{"HostConfig":{"Binds":["C:\\\\x:/host"]}}', want: { hostMounts: [] } },
  { name: 'Binds anonymous volume', body: '{"HostConfig":{"Binds":["/data"]}}', want: { hostMounts: [] } },
  { name: 'binds lower-case key', body: '{"HostConfig":{"binds":["/:/host"]}}', want: { hostMounts: ['/'] } },
  { name: 'Bindſ with long s', body: '{"HostConfig":{"Bindſ":["/:/host"]}}', want: { hostMounts: ['/'] } },
  { name: 'Binds shorter duplicate truncates', body: '{"HostConfig":{"Binds":["/tmp:/a","/:/b"],"Binds":["/tmp:/c"]}}', want: { hostMounts: ['/tmp'] } },
  { name: 'Binds null element keeps the old bind', body: '{"HostConfig":{"Binds":["/:/h"],"Binds":[null]}}', want: { hostMounts: ['/'] } },
  { name: 'Binds reset by null', body: '{"HostConfig":{"Binds":["/:/host"],"Binds":null}}', want: { hostMounts: [] } },
  // Mounts.
  { name: 'Mounts bind /', body: '{"HostConfig":{"Mounts":[{"Type":"bind","Source":"/","Target":"/h"}]}}', want: { hostMounts: ['/'] } },
  { name: 'Mounts bind //etc/..', body: '{"HostConfig":{"Mounts":[{"Type":"bind","Source":"//etc/..","Target":"/h"}]}}', want: { hostMounts: ['/'] } },
  { name: 'Mounts lower-case keys', body: '{"hostconfig":{"mounts":[{"type":"bind","source":"/etc","target":"/h"}]}}', want: { hostMounts: ['/etc'] } },
  { name: 'Mountſ with long s', body: '{"HostConfig":{"Mountſ":[{"Type":"bind","Source":"/tmp","Target":"/h"}]}}', want: { hostMounts: ['/tmp'] } },
  { name: 'Mounts type BIND is rejected, not a bind', body: '{"HostConfig":{"Mounts":[{"Type":"BIND","Source":"/","Target":"/h"}]}}', want: { hostMounts: [] } },
  { name: 'Mounts element merged by a duplicate', body: '{"HostConfig":{"Mounts":[{"Type":"bind","Source":"/tmp","Target":"/h"}],"Mounts":[{"Source":"/"}]}}', want: { hostMounts: ['/'] } },
  {
    name: 'Mounts stale element re-exposed',
    body: '{"HostConfig":{"Mounts":[{"Type":"bind","Source":"/tmp","Target":"/a"},{"Type":"bind","Source":"/tmp","Target":"/b"}],"Mounts":[{"Target":"/c"}],"Mounts":[{"Target":"/c"},{"Source":"/"}]}}',
    want: { hostMounts: ['/tmp', '/'] },
  },
  { name: 'Mounts [] drops stale elements', body: '{"HostConfig":{"Mounts":[{"Type":"bind","Source":"/tmp","Target":"/a"}],"Mounts":[],"Mounts":[{"Source":"/"}]}}', want: { hostMounts: [] } },
  { name: 'Mounts volume with local bind options', body: `{"HostConfig":{"Mounts":[{"Type":"volume","Source":"v","Target":"/h","VolumeOptions":{"DriverConfig":${LOCAL_BIND_ROOT}}}]}}`, want: { hostMounts: ['/'] } },
  {
    name: 'Mounts anonymous volume, no driver name, rbind',
    body: '{"HostConfig":{"Mounts":[{"Type":"volume","Target":"/h","VolumeOptions":{"DriverConfig":{"Options":{"type":"ext4","o":"rbind","device":"/etc/"}}}}]}}',
    want: { hostMounts: ['/etc'] },
  },
  {
    name: 'Mounts volume, all keys lower-case',
    body: '{"hostconfig":{"mounts":[{"type":"volume","source":"v","target":"/h","volumeoptions":{"driverconfig":{"name":"local","options":{"type":"none","o":"bind","device":"/"}}}}]}}',
    want: { hostMounts: ['/'] },
  },
  {
    name: 'Mounts volume type=none with a device',
    body: '{"HostConfig":{"Mounts":[{"Type":"volume","Target":"/h","VolumeOptions":{"DriverConfig":{"Options":{"type":"none","device":"/var/lib/docker"}}}}]}}',
    want: { hostMounts: ['/var/lib/docker'] },
  },
  {
    name: 'Mounts volume relative device is relative to dockerd\'s working directory: the host',
    body: '{"HostConfig":{"Mounts":[{"Type":"volume","Target":"/h","VolumeOptions":{"DriverConfig":{"Options":{"type":"none","o":"bind","device":"etc"}}}}]}}',
    want: { hostMounts: ['/'] },
  },
  {
    name: 'Mounts volume device with .. keeps the kernel spelling',
    body: '{"HostConfig":{"Mounts":[{"Type":"volume","Target":"/h","VolumeOptions":{"DriverConfig":{"Options":{"type":"none","o":"bind","device":"/data/link/.."}}}}]}}',
    want: { hostMounts: ['/data', '/data/link/..'] },
  },
  {
    name: 'Mounts volume o=BIND is no bind, but the device is still a host path given to mount(2)',
    body: '{"HostConfig":{"Mounts":[{"Type":"volume","Target":"/h","VolumeOptions":{"DriverConfig":{"Options":{"type":"ext4","o":"BIND","device":"/"}}}}]}}',
    want: { hostMounts: ['/'] },
  },
  {
    name: 'Mounts volume of another driver with options it cannot read is the host',
    body: '{"HostConfig":{"Mounts":[{"Type":"volume","Target":"/h","VolumeOptions":{"DriverConfig":{"Name":"local-persist","Options":{"mountpoint":"/etc"}}}}]}}',
    want: { hostMounts: ['/'] },
  },
  {
    name: 'Mounts volume of another driver without options is the plugin\'s default',
    body: '{"HostConfig":{"Mounts":[{"Type":"volume","Target":"/h","VolumeOptions":{"DriverConfig":{"Name":"nfs"}}}]}}',
    want: { hostMounts: [] },
  },
  {
    name: 'Mounts volume of proc with a path-looking device is the host',
    body: '{"HostConfig":{"Mounts":[{"Type":"volume","Source":"hp","Target":"/hostproc","VolumeOptions":{"DriverConfig":{"Name":"local","Options":{"type":"proc","device":"/mnt"}}}}]}}',
    want: { hostMounts: ['/'] },
  },
  {
    name: 'legacy top-level Mounts of proc is the host',
    body: '{"Image":"x","Mounts":[{"Type":"volume","Source":"hp","Target":"/hostproc","VolumeOptions":{"DriverConfig":{"Options":{"type":"proc","device":"/mnt"}}}}]}',
    want: { hostMounts: ['/'] },
  },
  // Where the host configuration comes from.
  { name: 'legacy top-level Binds', body: '{"Binds":["/:/host"]}', want: { hostMounts: ['/'] } },
  { name: 'legacy top-level with HostConfig null', body: '{"HostConfig":null,"Privileged":true,"Binds":["/:/host"]}', want: { privileged: true, hostMounts: ['/'] } },
  {
    name: 'legacy lower-case fields',
    body: '{"privileged":true,"binds":["/:/host"],"pidmode":"host","capadd":["sys_admin"],"networkmode":"host"}',
    want: { privileged: true, hostMounts: ['/'], hostNamespaces: ['network', 'pid'], capabilities: ['SYS_ADMIN', 'ALL'] },
  },
  { name: 'legacy Mounts at the top level', body: '{"Mounts":[{"Type":"bind","Source":"/etc","Target":"/h"}]}', want: { hostMounts: ['/etc'] } },
  { name: 'top level ignored with a HostConfig object', body: '{"HostConfig":{},"Privileged":true,"Binds":["/:/host"]}', want: { privileged: false, hostMounts: [] } },
  {
    name: 'HostConfig reset by a later null: the top level applies',
    body: '{"HostConfig":{"Privileged":false},"Privileged":true,"Binds":["/:/host"],"HostConfig":null}',
    want: { privileged: true, hostMounts: ['/'] },
  },
  // Privileged and key spellings.
  { name: 'hostconfig lower-case', body: '{"hostconfig":{"privileged":true}}', want: { privileged: true, capabilities: ['ALL'], devices: { present: true, hostPaths: [] } } },
  { name: 'HOSTCONFIG upper-case', body: '{"HOSTCONFIG":{"PRIVILEGED":true}}', want: { privileged: true } },
  { name: 'Hoſtconfig with long s', body: '{"Hoſtconfig":{"Privileged":true}}', want: { privileged: true } },
  { name: 'long s as a JSON escape', body: '{"Ho\\u017ftConfig":{"Privileged":true}}', want: { privileged: true } },
  { name: 'dotless i does not fold', body: '{"HostConfig":{"Pr\\u0131vileged":true}}', want: { privileged: false } },
  { name: 'duplicate: last false wins', body: '{"HostConfig":{"Privileged":true,"Privileged":false}}', want: { privileged: false } },
  { name: 'duplicate: last true wins', body: '{"HostConfig":{"Privileged":false,"Privileged":true}}', want: { privileged: true } },
  { name: 'null after true is ignored', body: '{"HostConfig":{"Privileged":true,"Privileged":null}}', want: { privileged: true } },
  { name: 'HostConfig objects merge', body: '{"HostConfig":{"Privileged":true},"hostconfig":{"Memory":8000000}}', want: { privileged: true } },
  // Capabilities.
  { name: 'CAP_SYS_ADMIN', body: '{"HostConfig":{"CapAdd":["CAP_SYS_ADMIN"]}}', want: { capabilities: ['SYS_ADMIN'] } },
  { name: 'cap_sys_admin', body: '{"HostConfig":{"CapAdd":["cap_sys_admin"]}}', want: { capabilities: ['SYS_ADMIN'] } },
  { name: 'Sys_Admin', body: '{"HostConfig":{"CapAdd":["Sys_Admin","NET_ADMIN"]}}', want: { capabilities: ['SYS_ADMIN', 'NET_ADMIN'] } },
  { name: 'CapAdd as one string', body: '{"HostConfig":{"CapAdd":"sys_admin"}}', want: { capabilities: ['SYS_ADMIN'] } },
  { name: 'ſys_admin with long s', body: '{"HostConfig":{"CapAdd":["ſys_admin"]}}', want: { capabilities: ['SYS_ADMIN'] } },
  { name: 'all in lower case', body: '{"HostConfig":{"CapAdd":["all"]}}', want: { capabilities: ['ALL'] } },
  { name: 'capadd key folded', body: '{"HostConfig":{"capadd":["SYS_PTRACE"]}}', want: { capabilities: ['SYS_PTRACE'] } },
  // Namespaces.
  { name: 'NetworkMode host', body: '{"HostConfig":{"NetworkMode":"host"}}', want: { hostNamespaces: ['network'] } },
  { name: 'NetworkMode HOST is a network name', body: '{"HostConfig":{"NetworkMode":"HOST","PidMode":"Host"}}', want: { hostNamespaces: [] } },
  { name: 'Kelvin sign in NetworkMode key', body: '{"HostConfig":{"Networ\\u212aMode":"host"}}', want: { hostNamespaces: ['network'] } },
  { name: 'legacy top-level PidMode', body: '{"PidMode":"host"}', want: { hostNamespaces: ['pid'] } },
  {
    name: 'every namespace host',
    body: '{"HostConfig":{"NetworkMode":"host","PidMode":"host","IpcMode":"host","UTSMode":"host","UsernsMode":"host","CgroupnsMode":"host"}}',
    want: { hostNamespaces: ['network', 'pid', 'ipc', 'uts', 'userns', 'cgroup'] },
  },
  { name: 'container: modes are not host', body: '{"HostConfig":{"NetworkMode":"container:abc","PidMode":"container:host","IpcMode":"container:x"}}', want: { hostNamespaces: [] } },
  // Devices.
  { name: 'Devices /dev/sda', body: '{"HostConfig":{"Devices":[{"PathOnHost":"/dev/sda","PathInContainer":"/dev/xvda","CgroupPermissions":"rwm"}]}}', want: { devices: { present: true, hostPaths: ['/dev/sda'] } } },
  { name: 'Deviceſ re-spelled path', body: '{"HostConfig":{"Deviceſ":[{"pathonhost":"//dev/./mem"}]}}', want: { devices: { present: true, hostPaths: ['/dev/mem'] } } },
  { name: 'DeviceCgroupRules', body: '{"HostConfig":{"DeviceCgroupRules":["c *:* rwm"]}}', want: { devices: { present: true, hostPaths: [] } } },
  { name: 'DeviceRequests', body: '{"HostConfig":{"DeviceRequests":[{"Count":-1,"Capabilities":[["gpu"]]}]}}', want: { devices: { present: true, hostPaths: [] } } },
  { name: 'no devices', body: '{"HostConfig":{"Devices":[],"DeviceRequests":null}}', want: { devices: { present: false, hostPaths: [] } } },
  // Security options.
  { name: 'seccomp:unconfined', body: '{"HostConfig":{"SecurityOpt":["seccomp:unconfined"]}}', want: { securityOpts: ['seccomp=unconfined'] } },
  { name: 'seccomp=unconfined', body: '{"HostConfig":{"SecurityOpt":["seccomp=unconfined"]}}', want: { securityOpts: ['seccomp=unconfined'] } },
  { name: 'apparmor:unconfined', body: '{"HostConfig":{"securityopt":["apparmor:unconfined"]}}', want: { securityOpts: ['apparmor=unconfined'] } },
  { name: 'label:disable and bare disable', body: '{"HostConfig":{"SecurityOpt":["label:disable","disable"]}}', want: { securityOpts: ['label=disable'] } },
  { name: 'inline seccomp profile', body: '{"HostConfig":{"SecurityOpt":["seccomp={}"]}}', want: { securityOpts: ['seccomp={}', 'seccomp=unconfined'] } },
  { name: 'empty MaskedPaths', body: '{"HostConfig":{"MaskedPaths":[]}}', want: { securityOpts: ['systempaths=unconfined'] } },
  { name: 'empty ReadonlyPaths', body: '{"HostConfig":{"ReadonlyPaths":[]}}', want: { securityOpts: ['systempaths=unconfined'] } },
  { name: 'MaskedPaths without /proc/kcore', body: '{"HostConfig":{"MaskedPaths":["/proc/acpi"]}}', want: { securityOpts: ['systempaths=unconfined'] } },
  // Image.
  { name: 'image busybox', body: '{"Image":"busybox"}', want: { image: 'docker.io/library/busybox:latest' } },
  { name: 'image key folded, full form', body: '{"image":"docker.io/library/busybox:latest"}', want: { image: 'docker.io/library/busybox:latest' } },
  { name: 'image tag dropped next to a digest', body: `{"Image":"busybox:x@${DIGEST}"}`, want: { image: `docker.io/library/busybox@${DIGEST}` } },
  // Exec create.
  { name: 'exec Privileged', kind: 'exec', body: '{"Privileged":true,"Cmd":["sh"]}', want: { privileged: true, capabilities: ['ALL'], hostMounts: [], image: undefined } },
  { name: 'exec privileged lower-case', kind: 'exec', body: '{"privileged":true,"cmd":["sh"]}', want: { privileged: true } },
  { name: 'exec PRIVILEGED then false', kind: 'exec', body: '{"PRIVILEGED":true,"Privileged":false,"Cmd":["sh"]}', want: { privileged: false, capabilities: [] } },
  { name: 'exec Privileged then null', kind: 'exec', body: '{"Privileged":true,"Privileged":null,"Cmd":["sh"]}', want: { privileged: true } },
  // POST /v1.23/containers/ID/start bodies.
  { name: 'start body top-level', kind: 'start', body: '{"Privileged":true,"Binds":["/:/host"]}', want: { endpoint: 'legacy-start', privileged: true, hostMounts: ['/'], image: undefined } },
  { name: 'start body nested HostConfig', kind: 'start', body: '{"HostConfig":{"Binds":["//:/host"]}}', want: { hostMounts: ['/'] } },
  { name: 'start body lower-case', kind: 'start', body: '{"binds":["/etc/..:/host"],"capadd":"cap_sys_admin"}', want: { hostMounts: ['/'], capabilities: ['SYS_ADMIN'] } },
]

describe('container readers: dangerous bodies, re-spelled', () => {
  for (const row of containerRows) {
    it(row.name, () => {
      assertFacts(read[row.kind ?? 'create'](json(row.body)), row.want, row.body)
    })
  }
  it('has at least 60 rows', () => assert.ok(containerRows.length + volumeRows.length >= 60))
})

describe('container readers: the whole facts', () => {
  it('a plain create has no dangerous facts', () => {
    assert.deepEqual(readContainerCreate(json('{"Image":"alpine:3","Cmd":["sh"],"HostConfig":{"NetworkMode":"default","Binds":["data:/data"]}}')), {
      endpoint: 'container-create',
      privileged: false,
      hostMounts: [],
      capabilities: [],
      hostNamespaces: [],
      joinsContainers: [],
      devices: { present: false, hostPaths: [] },
      securityOpts: [],
      image: 'docker.io/library/alpine:3',
      logDriver: '',
      remoteLogging: [],
      logDestinations: [],
    })
  })
  it('a type mismatch is reported: dockerd rejects the body', () => {
    const facts = readContainerCreate(json('{"Image":"x","HostConfig":{"Privileged":"true"}}'))
    assert.equal(facts.privileged, false)
    assert.equal(facts.decodeErrors?.length, 1)
  })
  it('a body that is not an object is a decode error', () => {
    assert.equal(readContainerCreate(json('[1]')).decodeErrors?.length, 1)
  })
  it('an invalid image is undefined', () => assert.equal(readContainerCreate(json('{"Image":"Busybox"}')).image, undefined))
  it('no image is undefined', () => assert.equal(readContainerCreate(json('{"Cmd":["sh"]}')).image, undefined))
  it('a start body carries no image', () => assert.equal(readLegacyStart(json('{"Image":"busybox"}')).image, undefined))
  it('the same host path is listed once', () => {
    assert.deepEqual(readContainerCreate(json('{"HostConfig":{"Binds":["//:/a","/:/b"],"Mounts":[{"Type":"bind","Source":"/."}]}}')).hostMounts, ['/'])
  })
})

interface VolumeRow {
  name: string
  body: string
  want: Partial<VolumeFacts>
}

const volumeRows: VolumeRow[] = [
  { name: 'local o=bind,device=/', body: '{"Name":"v","Driver":"local","DriverOpts":{"type":"none","o":"bind","device":"/"}}', want: { driver: 'local', hostMounts: ['/'] } },
  { name: 'lower-case field names', body: '{"name":"v","driver":"local","driveropts":{"type":"none","o":"bind","device":"/"}}', want: { hostMounts: ['/'] } },
  { name: 'empty driver is local', body: '{"Driver":"","DriverOpts":{"type":"none","o":"bind","device":"/etc"}}', want: { driver: 'local', hostMounts: ['/etc'] } },
  { name: 'no driver is local', body: '{"DriverOpts":{"type":"none","o":"bind","device":"/etc"}}', want: { driver: 'local', hostMounts: ['/etc'] } },
  { name: 'type ext4 with rbind', body: '{"DriverOpts":{"type":"ext4","o":"rbind","device":"/"}}', want: { hostMounts: ['/'] } },
  { name: 'ro,bind', body: '{"DriverOpts":{"type":"none","o":"ro,bind","device":"/etc"}}', want: { hostMounts: ['/etc'] } },
  { name: 'type=none with a device', body: '{"DriverOpts":{"type":"none","device":"/var/lib/docker"}}', want: { hostMounts: ['/var/lib/docker'] } },
  { name: 'device //etc/../', body: '{"DriverOpts":{"type":"none","o":"bind","device":"//etc/../"}}', want: { hostMounts: ['/', '/etc/..'] } },
  { name: 'duplicate device: last wins', body: '{"DriverOpts":{"type":"none","o":"bind","device":"/tmp","device":"/"}}', want: { hostMounts: ['/'] } },
  { name: 'DriverOpts maps accumulate across duplicates', body: '{"DriverOpts":{"type":"none","o":"bind","device":"/tmp"},"driveropts":{"device":"/run/docker.sock"}}', want: { hostMounts: ['/run/docker.sock'] } },
  { name: 'o=BIND is no bind, but the device path still goes to mount(2)', body: '{"DriverOpts":{"type":"ext4","o":"BIND","device":"/"}}', want: { hostMounts: ['/'] } },
  { name: 'o duplicate: last wins (no bind), the device path stays', body: '{"DriverOpts":{"type":"ext4","o":"bind","o":"nosuid","device":"/"}}', want: { hostMounts: ['/'] } },
  { name: 'the host disk as a volume is the host', body: '{"DriverOpts":{"type":"ext4","device":"/dev/sda1"}}', want: { hostMounts: ['/'] } },
  { name: 'ext4 on a device node a container made is the host', body: '{"DriverOpts":{"type":"ext4","device":"/tmp/x/disk"}}', want: { hostMounts: ['/'] } },
  { name: 'proc as a volume is the host', body: '{"DriverOpts":{"type":"proc","device":"proc"}}', want: { hostMounts: ['/'] } },
  { name: 'proc with a path-looking device is the host, not that path', body: '{"Driver":"local","DriverOpts":{"type":"proc","device":"/mnt"}}', want: { hostMounts: ['/'] } },
  { name: 'binfmt_misc as a volume is the host', body: '{"DriverOpts":{"type":"binfmt_misc","device":"binfmt_misc"}}', want: { hostMounts: ['/'] } },
  { name: 'overlay is the host, whatever its directories say', body: '{"DriverOpts":{"type":"overlay","device":"overlay","o":"lowerdir=/usr:/lib,upperdir=/etc,workdir=/mnt/w"}}', want: { hostMounts: ['/'] } },
  { name: 'overlay with escaped separators is the host', body: '{"DriverOpts":{"type":"overlay","device":"overlay","o":"lowerdir=/srv\\\\,x:/a,upperdir=/srv/u,workdir=/srv/w"}}', want: { hostMounts: ['/'] } },
  { name: 'overlay with the newer lowerdir+ syntax is the host', body: '{"DriverOpts":{"type":"overlay","device":"overlay","o":"lowerdir+=/etc,upperdir=/srv/u,workdir=/srv/w"}}', want: { hostMounts: ['/'] } },
  { name: 'tmpfs is not the host', body: '{"DriverOpts":{"type":"tmpfs","device":"tmpfs","o":"size=100m"}}', want: { hostMounts: [] } },
  { name: 'tmpfs with restricting flags and parameters is not the host', body: '{"DriverOpts":{"type":"tmpfs","device":"/etc","o":"ro,nosuid,nodev,noexec,size=1m,nr_inodes=100,mode=1777,uid=1,gid=2"}}', want: { hostMounts: [] } },
  { name: 'ramfs with a mode is not the host', body: '{"DriverOpts":{"type":"ramfs","device":"ramfs","o":"mode=700"}}', want: { hostMounts: [] } },
  { name: 'tmpfs with bind binds the device', body: '{"DriverOpts":{"type":"tmpfs","device":"/etc","o":"size=1m,bind"}}', want: { hostMounts: ['/etc'] } },
  { name: 'tmpfs with an option it does not know is the host', body: '{"DriverOpts":{"type":"tmpfs","device":"tmpfs","o":"size=1m,x-unknown"}}', want: { hostMounts: ['/'] } },
  { name: 'tmpfs with remount is the host', body: '{"DriverOpts":{"type":"tmpfs","device":"tmpfs","o":"remount"}}', want: { hostMounts: ['/'] } },
  { name: 'tmpfs with a propagation flag is the host', body: '{"DriverOpts":{"type":"tmpfs","device":"tmpfs","o":"rshared"}}', want: { hostMounts: ['/'] } },
  { name: 'tmpfs with a space before an option is the host', body: '{"DriverOpts":{"type":"tmpfs","device":"tmpfs","o":"size=1m, mode=1777"}}', want: { hostMounts: ['/'] } },
  { name: 'TMPFS in upper case is an unknown type: the host', body: '{"DriverOpts":{"type":"TMPFS","device":"tmpfs"}}', want: { hostMounts: ['/'] } },
  { name: 'an NFS share is the host (mount(2) connects from the host\'s network)', body: '{"DriverOpts":{"type":"nfs","device":":/export","o":"addr=127.0.0.1,rw"}}', want: { hostMounts: ['/'] } },
  { name: 'a CIFS share is the host', body: '{"DriverOpts":{"type":"cifs","device":"//server/share","o":"username=u"}}', want: { hostMounts: ['/'] } },
  { name: 'an unknown filesystem type is the host', body: '{"DriverOpts":{"type":"frobfs","device":"x"}}', want: { hostMounts: ['/'] } },
  { name: 'a relative device in a bind is the host', body: '{"DriverOpts":{"type":"none","o":"bind","device":"etc"}}', want: { hostMounts: ['/'] } },
  { name: 'a relative block device is the host', body: '{"DriverOpts":{"type":"ext4","device":"../../dev/sda"}}', want: { hostMounts: ['/'] } },
  { name: 'upper-case option keys are unknown keys: the host', body: '{"DriverOpts":{"Type":"none","O":"bind","Device":"/"}}', want: { hostMounts: ['/'] } },
  { name: 'an unknown option key is the host', body: '{"DriverOpts":{"type":"tmpfs","device":"tmpfs","source":"/etc"}}', want: { hostMounts: ['/'] } },
  { name: 'another driver with options it cannot read is the host', body: '{"Driver":"LOCAL","DriverOpts":{"type":"none","o":"bind","device":"/"}}', want: { driver: 'LOCAL', hostMounts: ['/'] } },
  { name: 'another driver without options is the plugin\'s default', body: '{"Driver":"nfs-plugin"}', want: { driver: 'nfs-plugin', hostMounts: [] } },
  { name: 'a bind with remount acts on the volume directory: the host', body: '{"DriverOpts":{"type":"none","o":"bind,remount","device":"/data"}}', want: { hostMounts: ['/'] } },
  { name: 'a bind with a propagation flag: the host', body: '{"DriverOpts":{"type":"none","o":"rbind,rshared","device":"/data"}}', want: { hostMounts: ['/'] } },
  { name: 'a quota size is not a mount', body: '{"DriverOpts":{"size":"10G"}}', want: { hostMounts: [] } },
  { name: 'a tmpfs with a quota size', body: '{"DriverOpts":{"type":"tmpfs","device":"tmpfs","size":"10G"}}', want: { hostMounts: [] } },
  { name: 'o without type and device mounts nothing', body: '{"DriverOpts":{"type":"","device":"","o":"lowerdir=/etc"}}', want: { hostMounts: [] } },
  { name: 'a tmpfs option glued by a digit (mode=1777,1000) is the host', body: '{"DriverOpts":{"type":"tmpfs","device":"tmpfs","o":"mode=1777,1000"}}', want: { hostMounts: ['/'] } },
  { name: 'tmpfs mpol (comma node lists) is the host', body: '{"DriverOpts":{"type":"tmpfs","device":"tmpfs","o":"mpol=bind:0"}}', want: { hostMounts: ['/'] } },
  { name: 'options longer than the kernel reads are the host', body: `{"DriverOpts":{"type":"tmpfs","device":"tmpfs","o":"${'size=100m,'.repeat(420)}ro"}}`, want: { hostMounts: ['/'] } },
  { name: 'a driver name that leaves the plugin directory is the host', body: '{"Driver":"../../../tmp/x"}', want: { hostMounts: ['/'] } },
  { name: 'empty options are a plain volume', body: '{"DriverOpts":{}}', want: { hostMounts: [] } },
  { name: 'all three options empty mount nothing', body: '{"DriverOpts":{"type":"","device":"","o":""}}', want: { hostMounts: [] } },
  { name: 'plain named volume', body: '{"Name":"data"}', want: { driver: 'local', hostMounts: [] } },
]

describe('volume reader: dangerous bodies, re-spelled', () => {
  for (const row of volumeRows) {
    it(row.name, () => {
      assertFacts(readVolumeCreate(json(row.body)), row.want, row.body)
    })
  }
  it('a type mismatch is reported', () => {
    assert.deepEqual(readVolumeCreate(json('{"DriverOpts":{"device":1}}')).decodeErrors?.length, 1)
  })
})

describe('value normalisers', () => {
  const caps: Array<[string, string]> = [['cap_sys_admin', 'SYS_ADMIN'], ['ALL', 'ALL'], ['all', 'ALL'], ['ſys_admın', 'SYS_ADMIN'], ['net_raw', 'NET_RAW']]
  for (const [input, want] of caps) {
    it(`capability ${input} → ${want}`, () => assert.equal(normalizeCapability(input), want))
  }
  const opts: Array<[string, string]> = [
    ['seccomp:unconfined', 'seccomp=unconfined'], ['seccomp=unconfined', 'seccomp=unconfined'], ['no-new-privileges', 'no-new-privileges=true'],
    ['disable', 'label=disable'], ['label:type:spc_t', 'label=type:spc_t'], ['label=level:s0:c1', 'label=level:s0:c1'],
    ['seccomp={"a":"b"}', 'seccomp={"a":"b"}'], ['seccomp:{"a":"b=c"}', 'seccomp:{"a":"b=c"}'], ['nonsense', 'nonsense'],
  ]
  for (const [input, want] of opts) {
    it(`security option ${input} → ${want}`, () => assert.equal(normalizeSecurityOpt(input), want))
  }
  const binds: Array<[string, string[]]> = [
    ['/a:/b', ['/a']], ['/a:/b:ro', ['/a']], ['//a/./b/:/c', ['/a/b']], ['name:/b', []], ['/just-a-target', []], [':/b', []],
  ]
  for (const [input, want] of binds) {
    it(`bind ${input} → [${want.join(', ')}]`, () => assert.deepEqual(bindSource(input), want))
  }
})

describe('log configuration reader', () => {
  const rows: Array<{ name: string; body: string; want: Partial<ContainerFacts> }> = [
    { name: 'no log configuration', body: '{"Image":"x"}', want: { logDriver: '', remoteLogging: [] } },
    { name: 'json-file with its options', body: '{"HostConfig":{"LogConfig":{"Type":"json-file","Config":{"max-size":"1m","labels":"a","mode":"non-blocking","max-buffer-size":"4m"}}}}', want: { remoteLogging: [] } },
    { name: 'local has no label options', body: '{"HostConfig":{"LogConfig":{"Type":"local","Config":{"labels":"a"}}}}', want: { remoteLogging: ['log option "labels"'] } },
    { name: 'none with any options', body: '{"HostConfig":{"LogConfig":{"Type":"none","Config":{"syslog-address":"unix:///x"}}}}', want: { logDriver: 'none', remoteLogging: [] } },
    { name: 'syslog', body: '{"HostConfig":{"LogConfig":{"Type":"syslog"}}}', want: { logDriver: 'syslog', remoteLogging: ['log driver "syslog"'] } },
    { name: 'a type in another case is a plugin', body: '{"HostConfig":{"LogConfig":{"Type":"Json-File"}}}', want: { remoteLogging: ['log driver "Json-File"'] } },
    { name: 'the default driver with a destination option', body: '{"HostConfig":{"LogConfig":{"Config":{"gelf-address":"udp://h:1"}}}}', want: { logDriver: '', remoteLogging: ['log option "gelf-address"'] } },
    { name: 'option keys are exact', body: '{"HostConfig":{"LogConfig":{"Type":"json-file","Config":{"Max-Size":"1m"}}}}', want: { remoteLogging: ['log option "Max-Size"'] } },
    { name: 'lower-case fields, duplicate LogConfig merged', body: '{"hostconfig":{"logconfig":{"type":"json-file"},"LogConfig":{"Type":"gelf"}}}', want: { logDriver: 'gelf' } },
    { name: 'top-level legacy log configuration', body: '{"Image":"x","LogConfig":{"Type":"fluentd"}}', want: { logDriver: 'fluentd', remoteLogging: ['log driver "fluentd"'] } },
  ]
  for (const row of rows) it(row.name, () => assertFacts(readContainerCreate(json(row.body)), row.want, row.body))
  it('a pre-1.24 start body carries a log configuration', () => {
    assertFacts(readLegacyStart(json('{"LogConfig":{"Type":"syslog"}}')), { logDriver: 'syslog' }, 'start')
  })
  it('a VolumeDriver that leaves the plugin directory is the host', () => {
    assertFacts(readContainerCreate(json('{"HostConfig":{"VolumeDriver":"../../tmp/x","Binds":["v:/v"]}}')), { hostMounts: ['/'] }, 'VolumeDriver')
  })
})

describe('network create reader', () => {
  const rows: Array<{ name: string; body: string; want: Partial<NetworkFacts> }> = [
    { name: 'a plain bridge', body: '{"Name":"n"}', want: { driver: 'bridge', hostInterfaces: [] } },
    { name: 'harmless bridge options', body: '{"Name":"n","Options":{"com.docker.network.bridge.enable_icc":"false","com.docker.network.driver.mtu":"1400"}}', want: { hostInterfaces: [] } },
    { name: 'macvlan', body: '{"Driver":"macvlan","Options":{"parent":"eth0"}}', want: { driver: 'macvlan', hostInterfaces: ['driver macvlan'] } },
    { name: 'bridge.name', body: '{"Options":{"com.docker.network.bridge.name":"br0"}}', want: { hostInterfaces: ['option com.docker.network.bridge.name'] } },
    { name: 'host_ipv4 picks the host source address', body: '{"Options":{"com.docker.network.host_ipv4":"10.0.0.1"}}', want: { hostInterfaces: ['option com.docker.network.host_ipv4'] } },
    { name: 'ConfigFrom', body: '{"ConfigFrom":{"Network":"cfg"}}', want: { hostInterfaces: ['options from the network "cfg"'] } },
    { name: 'swarm scope', body: '{"Scope":"swarm"}', want: { hostInterfaces: ['scope swarm'] } },
    { name: 'an IPAM plugin', body: '{"IPAM":{"Driver":"x"}}', want: { hostInterfaces: ['IPAM driver x'] } },
    { name: 'the default IPAM by name', body: '{"IPAM":{"Driver":"default"}}', want: { hostInterfaces: [] } },
    { name: 'lower-case keys, Options maps merged across duplicates', body: '{"options":{"com.docker.network.driver.mtu":"1"},"Options":{"parent":"eth0"}}', want: { hostInterfaces: ['option parent'] } },
    { name: 'labels are exact keys', body: '{"Labels":{"owner":"alice","Owner":"bob"}}', want: { labels: { owner: 'alice', Owner: 'bob' } } },
  ]
  for (const row of rows) it(row.name, () => assertFacts(readNetworkCreate(json(row.body)), row.want, row.body))
})
