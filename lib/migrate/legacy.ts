// Pure: MetalLB's legacy ConfigMap format (the `config` key, before v0.13) → metallb.io CRs,
// as MetalLB's own converter (configmaptocrs) writes them; convert.ts then carries them over.
import type { Loss, Obj } from './convert.ts';

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

/** Sets `out[to]` from `from[key]` when it is present. */
function copy(out: Obj, to: string, from: Obj, key: string): void {
  if (from[key] !== undefined && from[key] !== null) out[to] = from[key];
}

/** The CR spec fields (camelCase) of the legacy keys (kebab-case) present in `from`. */
function renamed(from: Obj, names: Readonly<Record<string, string>>): Obj {
  const out: Obj = {};
  for (const [key, to] of Object.entries(names)) copy(out, to, from, key);
  return out;
}

const BFD_KEYS = {
  'receive-interval': 'receiveInterval', 'transmit-interval': 'transmitInterval', 'detect-multiplier': 'detectMultiplier',
  'echo-interval': 'echoInterval', 'echo-mode': 'echoMode', 'passive-mode': 'passiveMode', 'minimum-ttl': 'minimumTtl',
} as const;
const PEER_KEYS = {
  'my-asn': 'myASN', 'peer-asn': 'peerASN', 'peer-address': 'peerAddress', 'source-address': 'sourceAddress', 'peer-port': 'peerPort',
  'hold-time': 'holdTime', 'keepalive-time': 'keepaliveTime', 'router-id': 'routerID', password: 'password', 'ebgp-multihop': 'ebgpMultiHop',
} as const;

/** MetalLB's formatToK8S: lower case, "_" → "-", from the first letter, at most 63 characters. */
export function k8sName(name: string): string {
  const lower = name.slice(0, 63).toLowerCase().replaceAll('_', '-');
  const first = lower.search(/[a-z]/);
  return first < 0 ? lower : lower.slice(first);
}

function selector(sel: Obj): Obj {
  const out: Obj = {};
  if (isObj(sel['match-labels'])) out.matchLabels = sel['match-labels'];
  const exprs = list(sel['match-expressions']).map((e) => ({ key: e.key, operator: e.operator, ...(Array.isArray(e.values) ? { values: e.values } : {}) }));
  if (exprs.length > 0) out.matchExpressions = exprs;
  return out;
}

/** Reports the keys of `o` that the legacy format does not define (typos are not dropped silently). */
function unknownKeys(o: Obj, known: readonly string[], object: string, path: string, lost: Loss[]): void {
  for (const k of Object.keys(o)) if (!known.includes(k)) lost.push({ object, field: `${path}.${k}`, why: 'not a field of MetalLB\'s ConfigMap format' });
}

const meta = (name: string, namespace: string): Obj => ({ name, namespace });
const cr = (kind: string, name: string, namespace: string, spec: Obj, version = 'v1beta1'): Obj =>
  ({ apiVersion: `metallb.io/${version}`, kind, metadata: meta(name, namespace), spec });

export function legacyToCRs(config: Obj, namespace: string, lost: Loss[]): Obj[] {
  const out: Obj[] = [];
  const where = 'ConfigMap config';
  unknownKeys(config, ['peers', 'bgp-communities', 'address-pools', 'bfd-profiles'], where, 'config', lost);
  list(config['bfd-profiles']).forEach((b, i) => {
    unknownKeys(b, ['name', ...Object.keys(BFD_KEYS)], where, `bfd-profiles[${i}]`, lost);
    const spec = renamed(b, BFD_KEYS);
    out.push(cr('BFDProfile', k8sName(String(b.name ?? '')), namespace, spec));
  });
  if (isObj(config['bgp-communities'])) {
    const communities = Object.entries(config['bgp-communities']).sort(([a], [b]) => (a < b ? -1 : 1)).map(([name, value]) => ({ name, value }));
    out.push(cr('Community', 'communities', namespace, { communities }));
  }
  list(config.peers).forEach((p, i) => {
    unknownKeys(p, [...Object.keys(PEER_KEYS), 'node-selectors', 'bfd-profile'], where, `peers[${i}]`, lost);
    const spec = renamed(p, PEER_KEYS);
    if (typeof p['bfd-profile'] === 'string' && p['bfd-profile'] !== '') spec.bfdProfile = k8sName(p['bfd-profile']);
    const sels = list(p['node-selectors']).map(selector);
    if (sels.length > 0) spec.nodeSelectors = sels;
    out.push(cr('BGPPeer', `peer${i + 1}`, namespace, spec, 'v1beta2'));
  });
  let bgpIndex = 1;
  let l2Index = 1;
  list(config['address-pools']).forEach((pool, i) => {
    unknownKeys(pool, ['name', 'protocol', 'addresses', 'auto-assign', 'avoid-buggy-ips', 'bgp-advertisements'], where, `address-pools[${i}]`, lost);
    const name = k8sName(String(pool.name ?? ''));
    const spec: Obj = { addresses: Array.isArray(pool.addresses) ? pool.addresses : [] };
    copy(spec, 'autoAssign', pool, 'auto-assign');
    copy(spec, 'avoidBuggyIPs', pool, 'avoid-buggy-ips');
    out.push(cr('IPAddressPool', name, namespace, spec));
    const adverts = list(pool['bgp-advertisements']);
    adverts.forEach((a, j) => {
      unknownKeys(a, ['aggregation-length', 'aggregation-length-v6', 'localpref', 'communities'], where, `address-pools[${i}].bgp-advertisements[${j}]`, lost);
      const adv: Obj = { ipAddressPools: [name] };
      copy(adv, 'aggregationLength', a, 'aggregation-length');
      copy(adv, 'aggregationLengthV6', a, 'aggregation-length-v6');
      copy(adv, 'localPref', a, 'localpref');
      if (Array.isArray(a.communities) && a.communities.length > 0) adv.communities = a.communities;
      out.push(cr('BGPAdvertisement', `bgpadvertisement${bgpIndex++}`, namespace, adv));
    });
    if (pool.protocol === 'bgp' && adverts.length === 0) out.push(cr('BGPAdvertisement', `bgpadvertisement${bgpIndex++}`, namespace, { ipAddressPools: [name] }));
    if (pool.protocol === 'layer2') out.push(cr('L2Advertisement', `l2advertisement${l2Index++}`, namespace, { ipAddressPools: [name] }));
    if (pool.protocol !== 'bgp' && pool.protocol !== 'layer2') {
      lost.push({ object: where, field: `address-pools[${i}].protocol`, why: `protocol ${JSON.stringify(pool.protocol)} is neither bgp nor layer2: the pool is not announced` });
    }
  });
  return out;
}
