import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import { serviceFingerprint, slimEndpointSlice, slimService } from './informers.ts';

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

test('slimService keeps identity, labels, our annotations, spec and load-balancer status', () => {
  const slim = slimService(service);
  assert.deepEqual(slim, {
    metadata: {
      name: 'web', namespace: 'app', uid: 'u1', resourceVersion: '7', labels: { app: 'web' },
      annotations: { 'portside.dev/address-pool': 'blue', 'metallb.universe.tf/allow-shared-ip': 'k', 'metallb.io/loadBalancerIPs': '192.0.2.1' },
    },
    spec: service.spec,
    status: { loadBalancer: { ingress: [{ ip: '192.0.2.1' }] } },
  });
  // The fields the change filter compares are all kept, except annotations nobody reads.
  const { 'kubectl.kubernetes.io/last-applied-configuration': _dropped, ...ours } = service.metadata!.annotations!;
  assert.equal(serviceFingerprint(slim), serviceFingerprint({ ...service, metadata: { ...service.metadata, annotations: ours } }));
  assert.deepEqual(slimService({ metadata: { name: 'bare', resourceVersion: '1' } }), { metadata: { name: 'bare', resourceVersion: '1' } });
});

test('slimEndpointSlice keeps identity, labels and each endpoint\'s addresses, node and conditions', () => {
  const slice: V1EndpointSlice = {
    addressType: 'IPv4',
    metadata: { name: 'web-x', namespace: 'app', uid: 'u2', resourceVersion: '9', labels: { 'kubernetes.io/service-name': 'web' }, generateName: 'web-', ownerReferences: [] },
    ports: [{ port: 80, protocol: 'TCP' }],
    endpoints: [
      { addresses: ['10.0.0.1'], nodeName: 'n1', conditions: { ready: true, serving: true }, targetRef: { kind: 'Pod', name: 'p' }, zone: 'z' },
      { addresses: ['10.0.0.2'] },
    ],
  };
  assert.deepEqual(slimEndpointSlice(slice), {
    addressType: 'IPv4',
    metadata: { name: 'web-x', namespace: 'app', uid: 'u2', resourceVersion: '9', labels: { 'kubernetes.io/service-name': 'web' } },
    endpoints: [{ addresses: ['10.0.0.1'], nodeName: 'n1', conditions: { ready: true, serving: true } }, { addresses: ['10.0.0.2'] }],
  });
});
