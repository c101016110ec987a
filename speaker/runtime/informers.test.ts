import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Endpoint, V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { indexEndpoints } from '../planner/endpoints.ts';
import { endpointSliceFingerprint, serviceFingerprint, slimEndpointSlice, slimService } from './informers.ts';

const service: V1Service = {
  metadata: {
    name: 'web', namespace: 'app', uid: 'u1', resourceVersion: '7', generation: 2, creationTimestamp: new Date(0),
    labels: { app: 'web' },
    annotations: {
      'portside.dev/address-pool': 'blue', 'metallb.universe.tf/allow-shared-ip': 'k', 'metallb.io/loadBalancerIPs': '192.0.2.1',
      'kubectl.kubernetes.io/last-applied-configuration': '{"a very":"long text"}',
    },
    finalizers: ['service.kubernetes.io/load-balancer-cleanup'],
  },
  spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 80, protocol: 'TCP' }], selector: { app: 'web' }, clusterIP: '10.96.0.9' },
  status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] }, conditions: [{ type: 'portside.dev/Allocated', status: 'True', reason: 'x', message: 'y', lastTransitionTime: new Date(0) }] },
};

test('slimService keeps identity, labels, our annotations, the spec fields planning reads and load-balancer status', () => {
  const slim = slimService(service);
  assert.deepEqual(slim, {
    metadata: {
      name: 'web', namespace: 'app', uid: 'u1', resourceVersion: '7', labels: { app: 'web' },
      annotations: { 'portside.dev/address-pool': 'blue', 'metallb.universe.tf/allow-shared-ip': 'k', 'metallb.io/loadBalancerIPs': '192.0.2.1' },
    },
    spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local' },
    status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } },
  });
  // The fields the change filter compares are all kept, except annotations and spec fields nobody reads.
  const { 'kubectl.kubernetes.io/last-applied-configuration': _dropped, ...ours } = service.metadata!.annotations!;
  assert.equal(serviceFingerprint(slim), serviceFingerprint({ ...service, metadata: { ...service.metadata, annotations: ours }, spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local' } }));
  assert.deepEqual(slimService({ metadata: { name: 'c' }, spec: { type: 'ClusterIP', loadBalancerClass: 'x', clusterIP: '10.96.0.1' } }).spec, { type: 'ClusterIP', loadBalancerClass: 'x' });
  assert.deepEqual(slimService({ metadata: { name: 'bare', resourceVersion: '1' } }), { metadata: { name: 'bare', resourceVersion: '1' } });
});

test('slimService: equal kept spec fields and annotations are one frozen object across Services', () => {
  const other = slimService({ ...service, metadata: { ...service.metadata, name: 'api', uid: 'u2' } });
  const slim = slimService(service);
  assert.equal(other.spec, slim.spec);
  assert.equal(other.metadata!.annotations, slim.metadata!.annotations);
  assert.ok(Object.isFrozen(slim.spec) && Object.isFrozen(slim.metadata!.annotations));
  const local = slimService({ ...service, spec: { ...service.spec, externalTrafficPolicy: 'Cluster' } });
  assert.notEqual(local.spec, slim.spec);
  assert.deepEqual(local.spec, { type: 'LoadBalancer', externalTrafficPolicy: 'Cluster' });
});

test('slimEndpointSlice: slices whose kept endpoints are equal share one frozen list', () => {
  const slice = (name: string, node: string, ready: boolean): V1EndpointSlice => ({
    addressType: 'IPv4', metadata: { name, namespace: 'app', labels: { 'kubernetes.io/service-name': name } },
    endpoints: [{ addresses: [`10.0.0.${name.length}`], nodeName: node, conditions: { ready } }],
  });
  const a = slimEndpointSlice(slice('a', 'n1', true));
  const b = slimEndpointSlice(slice('bb', 'n1', true));
  assert.equal(a.endpoints, b.endpoints);
  assert.ok(Object.isFrozen(a.endpoints) && Object.isFrozen(a.endpoints?.[0]));
  assert.notEqual(slimEndpointSlice(slice('c', 'n2', true)).endpoints, a.endpoints);
  assert.deepEqual(slimEndpointSlice(slice('d', 'n1', false)).endpoints, [{ addresses: [], nodeName: 'n1', conditions: { ready: false } }]);
});

test('slimEndpointSlice keeps name, namespace, the Service label and one endpoint per node and serving conditions', () => {
  const endpoints: V1Endpoint[] = [
    { addresses: ['10.0.0.1'], nodeName: 'n1', conditions: { ready: true, serving: true, terminating: false }, targetRef: { kind: 'Pod', name: 'p' }, zone: 'z' },
    { addresses: ['10.0.0.3'], nodeName: 'n1', conditions: { ready: true, serving: true } },
    { addresses: ['10.0.0.4'], nodeName: 'n1', conditions: { ready: false, serving: true, terminating: true } },
    { addresses: ['10.0.0.2'] },
  ];
  const slice: V1EndpointSlice = {
    addressType: 'IPv4',
    metadata: {
      name: 'web-x', namespace: 'app', uid: 'u2', resourceVersion: '9', generateName: 'web-', ownerReferences: [],
      labels: { 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
    },
    ports: [{ port: 80, protocol: 'TCP' }],
    endpoints,
  };
  const slim = slimEndpointSlice(slice);
  assert.deepEqual(slim, {
    addressType: 'IPv4',
    metadata: { name: 'web-x', namespace: 'app', resourceVersion: '9', labels: { 'kubernetes.io/service-name': 'web' } },
    endpoints: [
      { addresses: [], nodeName: 'n1', conditions: { ready: true, serving: true } },
      { addresses: [], nodeName: 'n1', conditions: { ready: false, serving: true } },
      { addresses: [] },
    ],
  });
  // What the planner reads is unchanged.
  assert.deepEqual(indexEndpoints([slim]), indexEndpoints([slice]));
  // Equal conditions are one object across slices.
  assert.equal(slimEndpointSlice(slice).endpoints?.[0]?.conditions, slim.endpoints?.[0]?.conditions);
  // An endpoint's address changing alone changes nothing planning reads; its readiness does.
  const moved = { ...slice, metadata: { ...slice.metadata, resourceVersion: '10' }, endpoints: [{ ...endpoints[0]!, addresses: ['10.0.0.9'] }, ...endpoints.slice(1)] };
  assert.equal(endpointSliceFingerprint(slimEndpointSlice(moved)), endpointSliceFingerprint(slim));
  const unready = { ...slice, endpoints: endpoints.map((ep) => ({ ...ep, conditions: { ready: false } })) };
  assert.notEqual(endpointSliceFingerprint(slimEndpointSlice(unready)), endpointSliceFingerprint(slim));
});
