// One source decides validity: every invalid case of crds/invalid-cases.ts goes through the
// real kube-apiserver (the generated CRDs: OpenAPI schema + CEL) and through the config
// model (the generated zod schema + the CEL rules' twins + runtime rules), and both must
// refuse it naming the same field. A case one layer cannot check says so in the table, and
// the test holds that layer to accepting it, so the table stays true.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { CustomObjectsApi } from '@kubernetes/client-node';
import { GROUP, pluralOf, VERSION } from '../../crds/index.ts';
import type { PortsideKind } from '../../crds/index.ts';
import { INVALID_CASES, of, VALID_EDGES } from '../../crds/invalid-cases.ts';
import type { InvalidCase } from '../../crds/invalid-cases.ts';
import { buildConfig } from '../../lib/config/index.ts';
import type { BuildInput, BuildResult } from '../../lib/config/index.ts';
import { apiFailureOf } from '../../lib/k8s/errors.ts';
import { controlPlaneOrSkip, INSTALL_NAMESPACE, sharedControlPlane } from '../controlplane.ts';

sharedControlPlane();

type Obj = Record<string, unknown>;

/** The config model's input slot of each configuration kind. */
const SLOTS: Partial<Record<string, keyof Omit<BuildInput, 'secrets' | 'namespaces' | 'nodes' | 'bgpBackend'>>> = {
  IPAddressPool: 'pools',
  L2Advertisement: 'l2Advertisements',
  BGPAdvertisement: 'bgpAdvertisements',
  BGPPeer: 'bgpPeers',
  BFDProfile: 'bfdProfiles',
  Community: 'communities',
};

const EMPTY: BuildInput = { pools: [], l2Advertisements: [], bgpAdvertisements: [], bgpPeers: [], bfdProfiles: [], communities: [] };

/** Context the valid edges lean on: the alias one of them names. */
const ALIASES = of('Community', { metadata: { name: 'aliases', namespace: INSTALL_NAMESPACE }, spec: { communities: [{ name: 'an-alias', value: '64512:1' }] } });

let serial = 0;
/** The case's object under a name of its own (every case writes to the same namespace). */
function named(obj: Obj, name: string): Obj {
  return { ...obj, metadata: { ...(obj.metadata as Obj), name, namespace: INSTALL_NAMESPACE } };
}

interface Refusal {
  status: number | undefined;
  message: string;
  /** details.causes[].field of the apiserver's Status. */
  fields: string[];
}

function refusalOf(err: unknown): Refusal {
  const failure = apiFailureOf(err);
  const raw = (err as { body?: unknown }).body;
  let causes: { field?: string }[];
  try {
    const body = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { details?: { causes?: { field?: string }[] } } | undefined;
    causes = body?.details?.causes ?? [];
  } catch {
    causes = [];
  }
  return { status: failure.code, message: failure.message, fields: causes.flatMap((c) => (c.field ? [c.field] : [])) };
}

/**
 * Writes the object as a client would: create (strict field validation) or replace, then
 * its status through the status subresource. Undefined when every step was accepted.
 */
async function write(kc: KubeConfig, obj: Obj): Promise<Refusal | undefined> {
  const api = kc.makeApiClient(CustomObjectsApi);
  const kind = obj.kind as PortsideKind;
  const name = (obj.metadata as Obj).name as string;
  const where = { group: GROUP, version: VERSION, namespace: INSTALL_NAMESPACE, plural: pluralOf(kind) };
  const { status, ...main } = obj;
  try {
    let stored: Obj;
    try {
      const current = (await api.getNamespacedCustomObject({ ...where, name })) as Obj;
      const metadata = { ...(main.metadata as Obj), resourceVersion: (current.metadata as Obj).resourceVersion };
      stored = (await api.replaceNamespacedCustomObject({ ...where, name, body: { ...main, metadata }, fieldValidation: 'Strict' })) as Obj;
    } catch (err) {
      if (apiFailureOf(err).code !== 404) throw err;
      stored = (await api.createNamespacedCustomObject({ ...where, body: main, fieldValidation: 'Strict' })) as Obj;
    }
    if (status !== undefined) {
      const metadata = { ...(main.metadata as Obj), resourceVersion: (stored.metadata as Obj).resourceVersion };
      await api.replaceNamespacedCustomObjectStatus({ ...where, name, body: { ...main, metadata, status }, fieldValidation: 'Strict' });
    }
    return undefined;
  } catch (err) {
    return refusalOf(err);
  }
}

function configModel(obj: Obj, context: Partial<BuildInput> = {}): BuildResult | undefined {
  const slot = SLOTS[obj.kind as string];
  if (slot === undefined) return undefined;
  return buildConfig({ ...EMPTY, ...context, [slot]: [...(context[slot] ?? []), obj] });
}

const layerNote = (c: InvalidCase): string => {
  const api = c.apiserver === undefined ? '422' : 'notChecked' in c.apiserver ? `apiserver not: ${c.apiserver.notChecked}` : `${c.apiserver.status}: ${c.apiserver.why}`;
  return `${api}; ${c.configModel ? `config model not: ${c.configModel.notChecked}` : 'config model refuses'}`;
};

for (const c of INVALID_CASES) {
  test(`both layers agree: ${c.name} (${layerNote(c)})`, async (t) => {
    const cp = controlPlaneOrSkip(t);
    if (!cp) return;
    const name = `case-${++serial}`;
    const obj = named(c.obj, name);

    if (c.old) assert.equal(await write(cp.kubeconfig, named(c.old, name)), undefined, `${c.name}: the old object was refused`);
    const refusal = await write(cp.kubeconfig, obj);
    const api = c.apiserver;
    if (api !== undefined && 'notChecked' in api) {
      assert.equal(refusal, undefined, `${c.name}: listed as not checked by the apiserver (${api.notChecked}), but it refused: ${JSON.stringify(refusal)}`);
    } else if (api !== undefined) {
      assert.ok(refusal, `${c.name}: the apiserver accepted it`);
      assert.equal(refusal.status, api.status, refusal.message);
      assert.match(refusal.message, api.message);
    } else {
      assert.ok(refusal, `${c.name}: the apiserver accepted it`);
      assert.equal(refusal.status, 422, refusal.message);
      assert.ok(refusal.fields.includes(c.field), `${c.name}: the apiserver names ${JSON.stringify(refusal.fields)}, not ${c.field}: ${refusal.message}`);
    }

    const model = configModel(obj);
    if (c.configModel) {
      // Status-only kinds have no slot: the config model never sees them.
      if (model) assert.ok(model.ok, `${c.name}: listed as not checked by the config model (${c.configModel.notChecked}), but it refused: ${JSON.stringify(!model.ok && model.errors)}`);
      else assert.equal(SLOTS[c.obj.kind as string], undefined, c.name);
      return;
    }
    assert.ok(model, `${c.name}: ${String(c.obj.kind)} is not a configuration kind: mark the case configModel.notChecked`);
    assert.ok(!model.ok, `${c.name}: the config model accepted it`);
    const hit = model.errors.find((e) => e.kind === c.obj.kind && e.name === name && e.field === c.field);
    assert.ok(hit, `${c.name}: the config model names ${JSON.stringify(model.errors.map((e) => e.field))}, not ${c.field}`);
    assert.equal(hit.namespace, INSTALL_NAMESPACE);
  });
}

test('both layers accept the edges of every range', async (t) => {
  const cp = controlPlaneOrSkip(t);
  if (!cp) return;
  assert.equal(await write(cp.kubeconfig, ALIASES), undefined);
  for (const edge of VALID_EDGES) {
    const obj = named(edge, `edge-${++serial}`);
    const refusal = await write(cp.kubeconfig, obj);
    assert.equal(refusal, undefined, `${JSON.stringify(edge)}: ${JSON.stringify(refusal)}`);
    const model = configModel(obj, { communities: [ALIASES] });
    assert.ok(model?.ok, `${JSON.stringify(edge)}: ${JSON.stringify(model && !model.ok && model.errors)}`);
  }
});

/** Rules between objects: the apiserver sees one object at a time, so only the config model can check them. */
const CROSS_OBJECT: readonly { name: string; objects: Obj[]; kind: string; field: string }[] = [
  {
    name: 'pools sharing addresses',
    objects: [
      of('IPAddressPool', { metadata: { name: 'x-a' }, spec: { addresses: ['198.51.100.0/25'] } }),
      of('IPAddressPool', { metadata: { name: 'x-b' }, spec: { addresses: ['198.51.100.100-198.51.100.200'] } }),
    ],
    kind: 'IPAddressPool',
    field: 'spec.addresses[0]',
  },
  // An advertisement naming a pool that does not exist is a warning, as in MetalLB (lib/config/l2.test.ts).
  {
    name: 'a peer in a VRF: the native speaker refuses it, naming the FRR backend',
    objects: [of('BGPPeer', { metadata: { name: 'x-vrf' }, spec: { myASN: 64512, peerASN: 64513, peerAddress: '203.0.113.10', vrf: 'red' } })],
    kind: 'BGPPeer',
    field: 'spec.vrf',
  },
  {
    name: 'a BFD profile in echo mode: the native BFD refuses it, naming the FRR backend',
    objects: [of('BFDProfile', { metadata: { name: 'x-echo' }, spec: { echoMode: true } })],
    kind: 'BFDProfile',
    field: 'spec.echoMode',
  },
  {
    name: 'a peer naming a BFD profile that does not exist',
    objects: [of('BGPPeer', { metadata: { name: 'x-peer' }, spec: { myASN: 64512, peerASN: 64513, peerAddress: '203.0.113.9', bfdProfile: 'nowhere' } })],
    kind: 'BGPPeer',
    field: 'spec.bfdProfile',
  },
  {
    name: 'a community alias defined by two objects',
    objects: [
      of('Community', { metadata: { name: 'x-c1' }, spec: { communities: [{ name: 'twice', value: '64512:1' }] } }),
      of('Community', { metadata: { name: 'x-c2' }, spec: { communities: [{ name: 'twice', value: '64512:2' }] } }),
    ],
    kind: 'Community',
    field: 'spec.communities[0].name',
  },
  {
    name: 'an advertisement naming an alias no Community defines',
    objects: [of('BGPAdvertisement', { metadata: { name: 'x-bgp' }, spec: { communities: ['nowhere'] } })],
    kind: 'BGPAdvertisement',
    field: 'spec.communities[0]',
  },
];

for (const c of CROSS_OBJECT) {
  test(`config model only (cross-object rule): ${c.name}`, async (t) => {
    const cp = controlPlaneOrSkip(t);
    if (!cp) return;
    const input: BuildInput = { ...EMPTY };
    const objects = c.objects.map((o) => named(o, (o.metadata as Obj).name as string));
    for (const obj of objects) {
      assert.equal(await write(cp.kubeconfig, obj), undefined, `the apiserver checks one object at a time: ${JSON.stringify(obj)}`);
      const slot = SLOTS[obj.kind as string];
      assert.ok(slot);
      Object.assign(input, { [slot]: [...input[slot], obj] });
    }
    const model = buildConfig(input);
    assert.ok(!model.ok, `${c.name}: the config model accepted it`);
    assert.ok(
      model.errors.some((e) => e.kind === c.kind && e.field === c.field && e.namespace === INSTALL_NAMESPACE),
      `${c.name}: ${JSON.stringify(model.errors)}`,
    );
  });
}
