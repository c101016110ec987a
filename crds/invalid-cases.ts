// Test data, not shipped code: every kind of invalid object, with the field its error must
// name and which layers can see the mistake. crds/invalid.test.ts runs each through the
// runtime validator; e2e/api/validation-agreement.apiserver.test.ts through the real
// apiserver and the config model.
import { API_VERSION } from './source/index.ts';

type Obj = Record<string, unknown>;

export interface InvalidCase {
  readonly name: string;
  readonly obj: Obj;
  /** The stored object, for an update (transition rules). */
  readonly old?: Obj;
  /** The field the error must name. */
  readonly field: string;
  /**
   * What the real apiserver does. Default: refuses with 422 naming `field`. `status`: refuses
   * with that code before schema validation; `notChecked`: accepts it, and why.
   */
  readonly apiserver?:
    | { readonly status: 400; readonly why: string; readonly message: RegExp }
    | { readonly notChecked: string };
  /** Default: the config model refuses it naming `field`. `notChecked`: it accepts it, and why. */
  readonly configModel?: { readonly notChecked: string };
}

const NAMESPACE = 'portside-system';

export const peer = (spec: Obj): Obj => ({
  apiVersion: API_VERSION,
  kind: 'BGPPeer',
  metadata: { name: 'p', namespace: NAMESPACE },
  spec: { myASN: 64512, peerASN: 64513, peerAddress: '203.0.113.1', ...spec },
});
const without = (obj: Obj, ...keys: string[]): Obj => Object.fromEntries(Object.entries(obj).filter(([k]) => !keys.includes(k)));
const peerWithout = (...keys: string[]): Obj => {
  const p = peer({});
  return { ...p, spec: without(p.spec as Obj, ...keys) };
};
export const of = (kind: string, body: Obj): Obj => ({
  apiVersion: API_VERSION,
  kind,
  metadata: { name: 'x', namespace: NAMESPACE },
  ...body,
});
export const status = (kind: string, s: Obj): Obj =>
  of(kind, { status: { node: 'n1', serviceName: 'web', serviceNamespace: 'shop', ...s } });
const l2Nodes = (nodeSelectors: unknown[]): Obj => of('L2Advertisement', { spec: { nodeSelectors } });

const TRANSITION = { notChecked: 'transition rule (oldSelf): the config model sees only the object as it is now' } as const;
const NOT_CONFIG = { notChecked: 'not a configuration kind: Portside writes it, the config model never reads it' } as const;
const STATUS = { notChecked: 'status, written by the controller: the config model reads metadata and spec only' } as const;
const NO_IP_ORDER = { notChecked: 'runtime rule: CEL cannot order or compare IP addresses' } as const;
const CEL_COST = { notChecked: 'runtime rule: comparing selectors up to spelling exceeds the CEL cost budget' } as const;

export const INVALID_CASES: readonly InvalidCase[] = [
  { name: 'peerPort of the wrong type', obj: peer({ peerPort: '179' }), field: 'spec.peerPort' },
  { name: 'myASN of the wrong type', obj: peer({ myASN: 'sixty-four' }), field: 'spec.myASN' },
  { name: 'myASN missing', obj: peerWithout('myASN'), field: 'spec.myASN' },
  { name: 'peerPort out of range', obj: peer({ peerPort: 16385 }), field: 'spec.peerPort' },
  { name: 'peerPort zero', obj: peer({ peerPort: 0 }), field: 'spec.peerPort' },
  { name: 'ASN above 32 bits', obj: peer({ peerASN: 4294967296 }), field: 'spec.peerASN' },
  { name: 'unknown dynamicASN', obj: { ...peerWithout('peerASN'), spec: { ...(peerWithout('peerASN').spec as Obj), dynamicASN: 'both' } }, field: 'spec.dynamicASN' },
  { name: 'both peerASN and dynamicASN', obj: peer({ dynamicASN: 'external' }), field: 'spec.peerASN' },
  { name: 'neither peerASN nor dynamicASN', obj: peerWithout('peerASN'), field: 'spec.peerASN' },
  { name: 'both peerAddress and interface', obj: peer({ interface: 'eth0' }), field: 'spec.peerAddress' },
  { name: 'neither peerAddress nor interface', obj: peerWithout('peerAddress'), field: 'spec.peerAddress' },
  { name: 'peerAddress not an IP', obj: peer({ peerAddress: 'tor-a.example' }), field: 'spec.peerAddress' },
  { name: 'interface with a slash', obj: { ...peerWithout('peerAddress'), spec: { ...(peerWithout('peerAddress').spec as Obj), interface: 'eth0/1' } }, field: 'spec.interface' },
  { name: 'routerID not IPv4', obj: peer({ routerID: '2001:db8::1' }), field: 'spec.routerID' },
  { name: 'password and passwordSecret', obj: peer({ password: 'x', passwordSecret: { name: 's' } }), field: 'spec.passwordSecret' },
  { name: 'hold time 1s', obj: peer({ holdTime: '1s' }), field: 'spec.holdTime' },
  { name: 'hold time not a duration', obj: peer({ holdTime: '90' }), field: 'spec.holdTime' },
  { name: 'keepalive longer than hold', obj: peer({ holdTime: '9s', keepaliveTime: '10s' }), field: 'spec.keepaliveTime' },
  { name: 'keepalive longer than the whole seconds of hold', obj: peer({ holdTime: '3500ms', keepaliveTime: '3200ms' }), field: 'spec.keepaliveTime' },
  { name: 'keepalive alone giving a hold time of 1s', obj: peer({ keepaliveTime: '500ms' }), field: 'spec.keepaliveTime' },
  { name: 'keepalive alone giving a hold time above 65535s', obj: peer({ keepaliveTime: '21846s' }), field: 'spec.keepaliveTime' },
  { name: 'connectTime 1.5s', obj: peer({ connectTime: '1.5s' }), field: 'spec.connectTime' },
  { name: 'connectTime 0s', obj: peer({ connectTime: '0s' }), field: 'spec.connectTime' },
  { name: 'ebgpMultiHop on iBGP', obj: peer({ peerASN: 64512, ebgpMultiHop: true }), field: 'spec.ebgpMultiHop' },
  { name: 'ebgpMultiHop on dynamic internal', obj: { ...peerWithout('peerASN'), spec: { ...(peerWithout('peerASN').spec as Obj), dynamicASN: 'internal', ebgpMultiHop: true } }, field: 'spec.ebgpMultiHop' },
  { name: 'ebgpMultiHop on iBGP with a localASN', obj: peer({ peerASN: 64512, localASN: 64600, ebgpMultiHop: true }), field: 'spec.ebgpMultiHop' },
  { name: 'localASN on iBGP', obj: peer({ peerASN: 64512, localASN: 64600 }), field: 'spec.localASN' },
  { name: 'localASN equal to peerASN', obj: peer({ localASN: 64513 }), field: 'spec.localASN' },
  { name: 'localASN equal to myASN', obj: peer({ localASN: 64512 }), field: 'spec.localASN' },
  {
    name: 'enableGracefulRestart changed',
    obj: peer({ enableGracefulRestart: false }),
    old: peer({ enableGracefulRestart: true }),
    field: 'spec.enableGracefulRestart',
    configModel: TRANSITION,
  },
  {
    name: 'unknown field',
    obj: peer({ peerAdress: '203.0.113.2' }),
    field: 'spec.peerAdress',
    apiserver: {
      status: 400,
      why: 'an unknown field is a strict decoding error (fieldValidation=Strict); otherwise the apiserver drops it',
      message: /unknown field "spec\.peerAdress"/,
    },
  },
  { name: 'BFD interval 5', obj: of('BFDProfile', { spec: { receiveInterval: 5 } }), field: 'spec.receiveInterval' },
  { name: 'BFD interval 60001', obj: of('BFDProfile', { spec: { transmitInterval: 60001 } }), field: 'spec.transmitInterval' },
  { name: 'BFD echoInterval fractional', obj: of('BFDProfile', { spec: { echoInterval: 10.5 } }), field: 'spec.echoInterval' },
  { name: 'BFD multiplier 1', obj: of('BFDProfile', { spec: { detectMultiplier: 1 } }), field: 'spec.detectMultiplier' },
  { name: 'BFD minimumTtl 255', obj: of('BFDProfile', { spec: { minimumTtl: 255 } }), field: 'spec.minimumTtl' },
  {
    name: 'serviceSelectors with aggregationLength 24',
    obj: of('BGPAdvertisement', { spec: { aggregationLength: 24, serviceSelectors: [{ matchLabels: { a: 'b' } }] } }),
    field: 'spec.serviceSelectors',
  },
  { name: 'aggregationLength 33', obj: of('BGPAdvertisement', { spec: { aggregationLength: 33 } }), field: 'spec.aggregationLength' },
  { name: 'aggregationLengthV6 0', obj: of('BGPAdvertisement', { spec: { aggregationLengthV6: 0 } }), field: 'spec.aggregationLengthV6' },
  { name: 'localPref negative', obj: of('BGPAdvertisement', { spec: { localPref: -1 } }), field: 'spec.localPref' },
  { name: 'community part above 16 bits', obj: of('BGPAdvertisement', { spec: { communities: ['64512:65536'] } }), field: 'spec.communities[0]' },
  { name: 'community with two parts after large', obj: of('BGPAdvertisement', { spec: { communities: ['large:1:2'] } }), field: 'spec.communities[0]' },
  { name: 'duplicate peers', obj: of('BGPAdvertisement', { spec: { peers: ['a', 'a'] } }), field: 'spec.peers[1]' },
  {
    name: 'selector In without values',
    obj: l2Nodes([{ matchExpressions: [{ key: 'k', operator: 'In' }] }]),
    field: 'spec.nodeSelectors[0].matchExpressions[0].values',
  },
  {
    name: 'selector Exists with values',
    obj: l2Nodes([{ matchExpressions: [{ key: 'k', operator: 'Exists', values: ['x'] }] }]),
    field: 'spec.nodeSelectors[0].matchExpressions[0].values',
  },
  {
    name: 'selector NotIn without values',
    obj: l2Nodes([{ matchExpressions: [{ key: 'k', operator: 'NotIn' }] }]),
    field: 'spec.nodeSelectors[0].matchExpressions[0].values',
  },
  {
    name: 'selector DoesNotExist with values',
    obj: l2Nodes([{ matchExpressions: [{ key: 'k', operator: 'DoesNotExist', values: ['x'] }] }]),
    field: 'spec.nodeSelectors[0].matchExpressions[0].values',
  },
  {
    name: 'selector value longer than 63',
    obj: l2Nodes([{ matchExpressions: [{ key: 'k', operator: 'In', values: ['x'.repeat(64)] }] }]),
    field: 'spec.nodeSelectors[0].matchExpressions[0].values[0]',
  },
  {
    name: 'selector with an unknown operator',
    obj: l2Nodes([{ matchExpressions: [{ key: 'k', operator: 'Gt', values: ['1'] }] }]),
    field: 'spec.nodeSelectors[0].matchExpressions[0].operator',
  },
  {
    name: 'selector key not a label key',
    obj: l2Nodes([{ matchExpressions: [{ key: '-k', operator: 'Exists' }] }]),
    field: 'spec.nodeSelectors[0].matchExpressions[0].key',
  },
  {
    name: 'selector key prefix longer than 253',
    obj: l2Nodes([{ matchExpressions: [{ key: `${'a'.repeat(254)}/k`, operator: 'Exists' }] }]),
    field: 'spec.nodeSelectors[0].matchExpressions[0].key',
  },
  {
    name: 'selector value not a label value',
    obj: l2Nodes([{ matchExpressions: [{ key: 'k', operator: 'In', values: ['bad value'] }] }]),
    field: 'spec.nodeSelectors[0].matchExpressions[0].values[0]',
  },
  {
    name: 'matchLabels key not a label key',
    obj: l2Nodes([{ matchLabels: { 'Bad_Prefix/x': 'y' } }]),
    field: 'spec.nodeSelectors[0].matchLabels',
  },
  {
    name: 'matchLabels value not a label value',
    obj: l2Nodes([{ matchLabels: { a: 'x'.repeat(64) } }]),
    field: 'spec.nodeSelectors[0].matchLabels.a',
  },
  {
    name: 'duplicate selectors (matchLabels and In spell the same)',
    obj: l2Nodes([{ matchLabels: { a: '1' } }, { matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }] }]),
    field: 'spec.nodeSelectors[1]',
    apiserver: CEL_COST,
  },
  {
    name: 'preferred node weight 101',
    obj: of('L2Advertisement', { spec: { preferredNodeSelectors: [{ weight: 101, preference: {} }] } }),
    field: 'spec.preferredNodeSelectors[0].weight',
  },
  { name: 'L2 interface with a space', obj: of('L2Advertisement', { spec: { interfaces: ['eth 0'] } }), field: 'spec.interfaces[0]' },
  { name: 'L2 interface longer than 15', obj: of('L2Advertisement', { spec: { interfaces: ['a-very-long-interface'] } }), field: 'spec.interfaces[0]' },
  { name: 'duplicate L2 interfaces', obj: of('L2Advertisement', { spec: { interfaces: ['eth0', 'eth0'] } }), field: 'spec.interfaces[1]' },
  { name: 'pool without addresses', obj: of('IPAddressPool', { spec: {} }), field: 'spec.addresses' },
  { name: 'pool address not a range', obj: of('IPAddressPool', { spec: { addresses: ['198.51.100.0/33'] } }), field: 'spec.addresses[0]' },
  {
    name: 'pool range across families',
    obj: of('IPAddressPool', { spec: { addresses: ['198.51.100.1-2001:db8::1'] } }),
    field: 'spec.addresses[0]',
  },
  {
    name: 'pool range starting after its end',
    obj: of('IPAddressPool', { spec: { addresses: ['198.51.100.9-198.51.100.1'] } }),
    field: 'spec.addresses[0]',
    apiserver: NO_IP_ORDER,
  },
  {
    name: 'pool ranges overlapping each other',
    obj: of('IPAddressPool', { spec: { addresses: ['198.51.100.0/24', '198.51.100.7-198.51.100.9'] } }),
    field: 'spec.addresses[1]',
    apiserver: NO_IP_ORDER,
  },
  {
    name: 'avoidBuggyIPs on an IPv6-only pool',
    obj: of('IPAddressPool', { spec: { addresses: ['2001:db8::/64'], avoidBuggyIPs: true } }),
    field: 'spec.avoidBuggyIPs',
  },
  { name: 'autoAssign not a boolean', obj: of('IPAddressPool', { spec: { addresses: ['198.51.100.0/24'], autoAssign: 'yes' } }), field: 'spec.autoAssign' },
  {
    name: 'negative serviceAllocation priority',
    obj: of('IPAddressPool', { spec: { addresses: ['198.51.100.0/24'], serviceAllocation: { priority: -1 } } }),
    field: 'spec.serviceAllocation.priority',
  },
  {
    name: 'duplicate serviceAllocation namespaces',
    obj: of('IPAddressPool', { spec: { addresses: ['198.51.100.0/24'], serviceAllocation: { namespaces: ['x', 'x'] } } }),
    field: 'spec.serviceAllocation.namespaces[1]',
  },
  {
    name: 'negative available count',
    obj: of('IPAddressPool', { spec: { addresses: ['198.51.100.0/24'] }, status: { availableIPv4: -1 } }),
    field: 'status.availableIPv4',
    configModel: STATUS,
  },
  {
    name: 'duplicate community alias',
    obj: of('Community', { spec: { communities: [{ name: 'a', value: '64512:1' }, { name: 'a', value: '64512:2' }] } }),
    field: 'spec.communities[1]',
  },
  { name: 'community alias value', obj: of('Community', { spec: { communities: [{ name: 'a', value: '70000:1' }] } }), field: 'spec.communities[0].value' },
  { name: 'community alias of an alias', obj: of('Community', { spec: { communities: [{ name: 'a', value: 'b' }] } }), field: 'spec.communities[0].value' },
  { name: 'unknown result', obj: of('ConfigurationState', { status: { result: 'Broken' } }), field: 'status.result', configModel: NOT_CONFIG },
  {
    name: 'errorSummary when Valid',
    obj: of('ConfigurationState', { status: { result: 'Valid', errorSummary: 'oops' } }),
    field: 'status.errorSummary',
    configModel: NOT_CONFIG,
  },
  {
    name: 'L2 status node changed',
    obj: status('ServiceL2Status', { node: 'n2' }),
    old: status('ServiceL2Status', {}),
    field: 'status.node',
    configModel: NOT_CONFIG,
  },
  {
    name: 'L2 status service name removed',
    obj: of('ServiceL2Status', { status: { node: 'n1', serviceNamespace: 'shop' } }),
    old: status('ServiceL2Status', {}),
    field: 'status.serviceName',
    configModel: NOT_CONFIG,
  },
  {
    name: 'BGP status namespace changed',
    obj: status('ServiceBGPStatus', { serviceNamespace: 'other' }),
    old: status('ServiceBGPStatus', {}),
    field: 'status.serviceNamespace',
    configModel: NOT_CONFIG,
  },
  {
    name: 'wrong apiVersion',
    obj: { ...peer({}), apiVersion: 'metallb.io/v1beta2' },
    field: 'apiVersion',
    apiserver: {
      status: 400,
      why: 'the apiserver refuses a body whose apiVersion is not the one of its URL',
      message: /API version .*metallb\.io\/v1beta2/,
    },
  },
];

/** Objects at the edges of every range: accepted by every layer. */
export const VALID_EDGES: readonly Obj[] = [
  peer({ peerPort: 1, holdTime: '0', keepaliveTime: '0s' }),
  peer({ peerPort: 16384, holdTime: '3s', keepaliveTime: '1s', connectTime: '65535s' }),
  peer({ holdTime: '1m30s', keepaliveTime: '30s', connectTime: '1m' }),
  peer({ holdTime: '3500ms', keepaliveTime: '3s' }),
  peer({ keepaliveTime: '1s' }),
  peer({ keepaliveTime: '21845s' }),
  peer({ localASN: 64600 }),
  peer({ password: 'x', passwordSecret: {} }),
  peer({ ebgpMultiHop: true, localASN: 64600 }),
  of('BFDProfile', { spec: { receiveInterval: 10, transmitInterval: 60000, detectMultiplier: 255, minimumTtl: 1 } }),
  of('BGPAdvertisement', { spec: { aggregationLength: 1, aggregationLengthV6: 1 } }),
  of('BGPAdvertisement', { spec: { serviceSelectors: [{}], aggregationLength: 32 } }),
  of('BGPAdvertisement', { spec: { communities: ['65535:65535', 'large:4294967295:0:1', 'an-alias'] } }),
  of('L2Advertisement', {
    spec: {
      interfaces: ['eth0', 'bond0.100'],
      nodeSelectors: [
        { matchLabels: { 'example.com/role': '', [`${'a'.repeat(253)}/k`]: 'v' } },
        { matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1', 'n2'] }] },
      ],
    },
  }),
  of('IPAddressPool', {
    spec: { addresses: ['2001:db8::/64'] },
    status: { availableIPv6: Number.MAX_SAFE_INTEGER, availableIPv6Exact: '18446744073709551616' },
  }),
  of('IPAddressPool', {
    spec: { addresses: ['2001:db8::/64', '198.51.100.10-198.51.100.10', ' 198.51.100.11 - 198.51.100.20 '], avoidBuggyIPs: true },
  }),
  of('IPAddressPool', { spec: { addresses: ['198.51.100.0/25', '198.51.100.128/25'] } }),
];
