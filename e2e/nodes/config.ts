// What a real lab node's daemons are told, as plain text from plain data: containerd's
// config, the pod network's CNI config, the kubelet's and kube-proxy's configuration files.
// Each choice that this machine forces (DESIGN.md "Real nodes") is said where it is made.
import { join } from 'node:path';

/** Where one node keeps everything: its own containerd, runc, CNI, kubelet and kube-proxy state. */
export interface NodePaths {
  dir: string;
  containerdConfig: string;
  containerdRoot: string;
  containerdState: string;
  containerdSocket: string;
  runcRoot: string;
  cniConfDir: string;
  cniIpamDir: string;
  kubeletRoot: string;
  kubeletConfig: string;
  podLogs: string;
  volumePlugins: string;
  kubeProxyConfig: string;
}

export function nodePaths(dir: string): NodePaths {
  return {
    dir,
    containerdConfig: join(dir, 'containerd.toml'),
    containerdRoot: join(dir, 'containerd', 'root'),
    containerdState: join(dir, 'containerd', 'state'),
    containerdSocket: join(dir, 'containerd.sock'),
    runcRoot: join(dir, 'runc'),
    cniConfDir: join(dir, 'cni', 'net.d'),
    cniIpamDir: join(dir, 'cni', 'ipam'),
    kubeletRoot: join(dir, 'kubelet'),
    kubeletConfig: join(dir, 'kubelet.json'),
    podLogs: join(dir, 'pod-logs'),
    volumePlugins: join(dir, 'volume-plugins'),
    kubeProxyConfig: join(dir, 'kube-proxy.json'),
  };
}

/** Debian's containernetworking-plugins. */
export const CNI_BIN_DIR = '/usr/lib/cni';
export const RUNC = '/usr/sbin/runc';

const toml = (s: string): string => JSON.stringify(s);

/** containerd 1.6 (config version 2): CRI on its own socket, runc, the node's CNI config. */
export function containerdConfig(p: NodePaths, sandboxImage: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return [
    'version = 2',
    `root = ${toml(p.containerdRoot)}`,
    `state = ${toml(p.containerdState)}`,
    // opt installs into /opt/containerd; these snapshotters are never used here.
    'disabled_plugins = ["io.containerd.internal.v1.opt", "io.containerd.snapshotter.v1.aufs",',
    '  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs",',
    '  "io.containerd.tracing.processor.v1.otlp"]',
    '[grpc]',
    `  address = ${toml(p.containerdSocket)}`,
    '[ttrpc]',
    `  address = ${toml(`${p.containerdSocket}.ttrpc`)}`,
    '[debug]',
    '  address = ""',
    '[metrics]',
    '  address = ""',
    `[${cri}]`,
    `  sandbox_image = ${toml(sandboxImage)}`,
    // No CAP_SYS_RESOURCE: the sandbox's oom_score_adj -998 would fail ("can't get final
    // child's PID from pipe"); clamp it to what this process may set.
    '  restrict_oom_score_adj = true',
    // Pod network namespaces under the node's state dir, not /run/netns (`ip netns list`).
    '  netns_mounts_under_state_dir = true',
    `[${cri}.containerd]`,
    '  snapshotter = "overlayfs"',
    '  default_runtime_name = "runc"',
    `[${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `[${cri}.containerd.runtimes.runc.options]`,
    // runc, not crun: crun refuses this machine's hybrid cgroups.
    `  BinaryName = ${toml(RUNC)}`,
    `  Root = ${toml(p.runcRoot)}`,
    '  SystemdCgroup = false',
    `[${cri}.cni]`,
    `  bin_dir = ${toml(CNI_BIN_DIR)}`,
    `  conf_dir = ${toml(p.cniConfDir)}`,
    '  max_conf_num = 1',
    '',
  ].join('\n');
}

/** The pod network: a bridge in the node's namespace, addresses from the node's pod CIDR. */
export function cniConfig(network: string, podCidr: string, p: NodePaths): string {
  return `${JSON.stringify({
    cniVersion: '1.0.0',
    name: network,
    plugins: [
      {
        type: 'bridge', bridge: 'cni0', isGateway: true, ipMasq: false, hairpinMode: true,
        ipam: { type: 'host-local', ranges: [[{ subnet: podCidr }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: p.cniIpamDir },
      },
    ],
  }, null, 2)}\n`;
}

export interface KubeletSettings {
  nodeIp: string;
  cgroupRoot: string;
  caCert: string;
}

/** KubeletConfiguration (JSON is YAML): what this machine needs, and nothing of the host's paths. */
export function kubeletConfig(p: NodePaths, s: KubeletSettings): string {
  return `${JSON.stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // cgroup v1 (hybrid), no systemd, no swap.
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    failSwapOn: false,
    // Its own hierarchy, made beforehand in every v1 controller (e2e/nodes/cgroups.ts).
    cgroupRoot: s.cgroupRoot,
    containerRuntimeEndpoint: `unix://${p.containerdSocket}`,
    address: s.nodeIp,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    // The lab's apiserver reaches logs and exec without a kubelet client cert.
    authentication: { anonymous: { enabled: true }, webhook: { enabled: false }, x509: { clientCAFile: s.caCert } },
    authorization: { mode: 'AlwaysAllow' },
    clusterDomain: 'cluster.local',
    podLogsDir: p.podLogs,
    volumePluginDir: p.volumePlugins,
    // Images are imported, never pulled: never collect them, and never evict for a busy disk.
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '50Mi', 'nodefs.available': '1%', 'nodefs.inodesFree': '1%', 'imagefs.available': '1%' },
  }, null, 2)}\n`;
}

export function kubeProxyConfig(kubeconfig: string, nodeName: string, clusterCidr: string): string {
  return `${JSON.stringify({
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'nftables',
    clientConnection: { kubeconfig },
    hostnameOverride: nodeName,
    clusterCIDR: clusterCidr,
    healthzBindAddress: '127.0.0.1:10256',
    metricsBindAddress: '127.0.0.1:10249',
    // 0: leave the conntrack table size and timeouts as they are (host-wide sysctls).
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
  }, null, 2)}\n`;
}

/** Pod addresses of a kubelet lab: a /28 per node (at most four nodes) out of a documentation range. */
export const POD_NETWORK = {
  cluster: '203.0.113.64/26',
  node(i: number): string {
    if (!(Number.isInteger(i) && i >= 0 && i < 4)) throw new Error(`POD_NETWORK has /28s for nodes 0–3, not ${i}`);
    return `203.0.113.${64 + 16 * i}/28`;
  },
} as const;
