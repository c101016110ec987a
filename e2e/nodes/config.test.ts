// The pure parts of real lab nodes: what the daemons are told (each machine-forced choice
// present, no host path outside the node's directory), the pod network plan, and the
// mountinfo reading the teardown relies on.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cgroupMounts } from './cgroups.ts';
import { cniConfig, containerdConfig, kubeletConfig, kubeProxyConfig, nodePaths, POD_NETWORK } from './config.ts';
import { mountsUnder, unescapeMountPath } from './mounts.ts';

const DIR = '/tmp/portside-ab12-nodes/n1';
const paths = nodePaths(DIR);

test('containerd: CRI on the node\'s own socket and dirs, runc, clamped OOM score, pod netns under its state', () => {
  const text = containerdConfig(paths, 'localhost/portside/pause:3.10.2');
  for (const line of [
    'version = 2', `root = "${DIR}/containerd/root"`, `state = "${DIR}/containerd/state"`, `  address = "${DIR}/containerd.sock"`,
    '  sandbox_image = "localhost/portside/pause:3.10.2"', '  restrict_oom_score_adj = true', '  netns_mounts_under_state_dir = true',
    '  BinaryName = "/usr/sbin/runc"', `  Root = "${DIR}/runc"`, '  SystemdCgroup = false', `  conf_dir = "${DIR}/cni/net.d"`,
  ]) assert.ok(text.split('\n').includes(line), `has ${line}`);
  // The tasks service needs shim v1's plugin registered: never disable it.
  assert.doesNotMatch(text, /io\.containerd\.runtime\.v1\.linux/);
  const absolute = [...text.matchAll(/"(\/[^"]*)"/g)].map((m) => m[1] ?? '');
  assert.deepEqual(absolute.filter((p) => !p.startsWith(`${DIR}/`) && !['/usr/sbin/runc', '/usr/lib/cni'].includes(p)), []);
});

test('kubelet: cgroup v1 with cgroupfs, no swap check, its own cgroup root, nothing under the host\'s /var', () => {
  const config = JSON.parse(kubeletConfig(paths, { nodeIp: '198.51.100.11', cgroupRoot: '/portside-ab12-n1', caCert: '/tmp/cp/ca.crt' })) as Record<string, unknown>;
  assert.equal(config.kind, 'KubeletConfiguration');
  assert.equal(config.failCgroupV1, false);
  assert.equal(config.cgroupDriver, 'cgroupfs');
  assert.equal(config.failSwapOn, false);
  assert.equal(config.cgroupRoot, '/portside-ab12-n1');
  assert.equal(config.containerRuntimeEndpoint, `unix://${DIR}/containerd.sock`);
  assert.equal(config.address, '198.51.100.11');
  assert.equal(config.podLogsDir, `${DIR}/pod-logs`);
  assert.equal(config.volumePluginDir, `${DIR}/volume-plugins`);
  assert.equal(config.imageGCHighThresholdPercent, 100, 'imported images are never collected');
});

test('kube-proxy: nftables mode, the node\'s name, the pods\' CIDR, host-wide conntrack sysctls left alone', () => {
  const config = JSON.parse(kubeProxyConfig('/tmp/cp/kp.kubeconfig', 'n1', POD_NETWORK.cluster)) as {
    mode: string; hostnameOverride: string; clusterCIDR: string; conntrack: { maxPerCore: number };
  };
  assert.equal(config.mode, 'nftables');
  assert.equal(config.hostnameOverride, 'n1');
  assert.equal(config.clusterCIDR, '203.0.113.64/26');
  assert.equal(config.conntrack.maxPerCore, 0);
});

test('CNI: a bridge with host-local addresses from the node\'s CIDR, its state under the node\'s dir', () => {
  const conf = JSON.parse(cniConfig('ab12-n1', POD_NETWORK.node(0), paths)) as { name: string; plugins: Array<{ type: string; ipam: { type: string; ranges: Array<Array<{ subnet: string }>>; dataDir: string } }> };
  assert.equal(conf.name, 'ab12-n1');
  const [bridge] = conf.plugins;
  assert.equal(bridge?.type, 'bridge');
  assert.equal(bridge?.ipam.type, 'host-local');
  assert.equal(bridge?.ipam.ranges[0]?.[0]?.subnet, '203.0.113.64/28');
  assert.equal(bridge?.ipam.dataDir, `${DIR}/cni/ipam`);
});

test('pod network: a /28 per node inside the cluster /26, documentation range only, four nodes at most', () => {
  assert.deepEqual([0, 1, 2, 3].map((i) => POD_NETWORK.node(i)), ['203.0.113.64/28', '203.0.113.80/28', '203.0.113.96/28', '203.0.113.112/28']);
  assert.throws(() => POD_NETWORK.node(4), /0–3/);
  assert.throws(() => POD_NETWORK.node(-1), /0–3/);
});

const MOUNTINFO = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset',
  '40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
  '41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  `90 27 254:0 /tmp/x ${DIR}/kubelet rw shared:1 - ext4 /dev/vda rw`,
  `91 90 0:50 / ${DIR}/kubelet/pods/u1/volumes/kubernetes.io~projected/kube-api-access-1 rw - tmpfs tmpfs rw`,
  `92 27 0:51 / ${DIR}/containerd/state/io.containerd.runtime.v2.task/k8s.io/abc/rootfs rw - overlay overlay rw`,
  `93 27 0:52 / ${DIR}1/other rw - tmpfs tmpfs rw`,
  `94 27 0:53 / ${DIR}/with\\040space rw - tmpfs tmpfs rw`,
].join('\n');

test('mounts under a node\'s dir: deepest first, escapes undone, a sibling with the same prefix left alone', () => {
  assert.equal(unescapeMountPath('/a\\040b\\134c'), '/a b\\c');
  assert.deepEqual(mountsUnder(DIR, MOUNTINFO), [
    `${DIR}/kubelet/pods/u1/volumes/kubernetes.io~projected/kube-api-access-1`,
    `${DIR}/containerd/state/io.containerd.runtime.v2.task/k8s.io/abc/rootfs`,
    `${DIR}/with space`,
    `${DIR}/kubelet`,
  ]);
});

test('cgroup hierarchies: v1 controllers and named ones, the v2 unified one marked', () => {
  assert.deepEqual(cgroupMounts(MOUNTINFO), [
    { path: '/sys/fs/cgroup/cpuset', v2: false, options: ['rw', 'cpuset'] },
    { path: '/sys/fs/cgroup/systemd', v2: false, options: ['rw', 'name=systemd'] },
    { path: '/sys/fs/cgroup/unified', v2: true, options: ['rw'] },
  ]);
});
