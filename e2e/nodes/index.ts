// Real lab nodes: containerd, kubelet and kube-proxy per node namespace (see node.ts).
export { NODE_COMMANDS, nodeBinaries, type NodeBinaries } from './binaries.ts';
export { KUBELET_CONTROL_PLANE, startKubeletNodes, WORKLOAD_CONTROLLERS, type KubeletNodes, type NodeSpecs } from './cluster.ts';
export { POD_NETWORK } from './config.ts';
export { KubeletNode, startKubeletNode, type KubeletNodeSpec } from './node.ts';
