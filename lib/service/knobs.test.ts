import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Service } from '@kubernetes/client-node';
import { formatIp } from '../ip/index.ts';
import { handledByClass, isLoadBalancer, parseServiceKnobs } from './knobs.ts';

function svc(over: { annotations?: Record<string, string>; spec?: V1Service['spec'] } = {}): V1Service {
  return {
    metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' }, annotations: over.annotations ?? {} },
    spec: { type: 'LoadBalancer', clusterIP: '10.96.0.10', ports: [{ port: 80 }], selector: { app: 'web' }, ...over.spec },
  };
}

test('defaults for a plain LoadBalancer Service', () => {
  const r = parseServiceKnobs(svc());
  assert.ok(r.ok);
  assert.deepEqual(r.value, {
    key: 'shop/web', namespace: 'shop', name: 'web', labels: { app: 'web' }, loadBalancerClass: undefined,
    requestedIPs: [], poolName: undefined, sharingKey: undefined, families: [4], familyPolicy: 'SingleStack',
    ports: [{ protocol: 'TCP', port: 80 }], externalTrafficPolicy: 'Cluster', backendKey: 'app in (web)',
  });
});

test('valid knobs are read from annotations and spec', () => {
  type Case = [string, Parameters<typeof svc>[0], (v: Extract<ReturnType<typeof parseServiceKnobs>, { ok: true }>['value']) => void];
  const cases: Case[] = [
    ['two IPs, one per family', {
      annotations: { 'portside.dev/loadBalancerIPs': '198.51.100.5, 2001:db8::5' },
      spec: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] },
    }, (v) => assert.deepEqual(v.requestedIPs.map(formatIp), ['198.51.100.5', '2001:db8::5'])],
    ['spec.loadBalancerIP', { spec: { loadBalancerIP: '198.51.100.6' } }, (v) => assert.deepEqual(v.requestedIPs.map(formatIp), ['198.51.100.6'])],
    ['metallb.io alias', { annotations: { 'metallb.io/address-pool': 'gold' } }, (v) => assert.equal(v.poolName, 'gold')],
    ['metallb.universe.tf alias', { annotations: { 'metallb.universe.tf/allow-shared-ip': 'k1' } }, (v) => assert.equal(v.sharingKey, 'k1')],
    ['same value under two prefixes', { annotations: { 'portside.dev/address-pool': 'gold', 'metallb.io/address-pool': 'gold' } }, (v) => assert.equal(v.poolName, 'gold')],
    ['family from clusterIPs', { spec: { clusterIP: '2001:db8::a', clusterIPs: ['2001:db8::a'] } }, (v) => assert.deepEqual(v.families, [6])],
    ['PreferDualStack keeps both', { spec: { ipFamilyPolicy: 'PreferDualStack', clusterIPs: ['2001:db8::a', '10.96.0.1'] } }, (v) => assert.deepEqual(v.families, [6, 4])],
    ['SingleStack keeps the first', { spec: { ipFamilies: ['IPv6', 'IPv4'] } }, (v) => assert.deepEqual(v.families, [6])],
    ['Local policy', { spec: { externalTrafficPolicy: 'Local' } }, (v) => assert.equal(v.externalTrafficPolicy, 'Local')],
    ['OnlyLocal (pre-1.7 spelling)', { spec: { externalTrafficPolicy: 'OnlyLocal' } }, (v) => assert.equal(v.externalTrafficPolicy, 'Local')],
    ['class and ports', { spec: { loadBalancerClass: 'x/y', ports: [{ port: 53, protocol: 'UDP' }, { port: 53 }] } }, (v) => {
      assert.equal(v.loadBalancerClass, 'x/y');
      assert.deepEqual(v.ports, [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
    }],
    ['no selector', { spec: { selector: undefined } }, (v) => assert.equal(v.backendKey, '')],
  ];
  for (const [name, over, check] of cases) {
    const r = parseServiceKnobs(svc(over));
    assert.ok(r.ok, `${name}: ${JSON.stringify(!r.ok && r.errors)}`);
    check(r.value);
  }
});

test('invalid knobs give an error naming the field and the fix', () => {
  const lbIps = 'metadata.annotations["portside.dev/loadBalancerIPs"]';
  const cases: Array<[string, Parameters<typeof svc>[0], string, RegExp]> = [
    ['not an IP', { annotations: { 'portside.dev/loadBalancerIPs': '198.51.100.300' } }, lbIps, /not an IP address/],
    ['three IPs', { annotations: { 'portside.dev/loadBalancerIPs': '198.51.100.1,2001:db8::1,198.51.100.2' } }, lbIps, /at most two/],
    ['same family twice', { annotations: { 'portside.dev/loadBalancerIPs': '198.51.100.1,198.51.100.2' } }, lbIps, /one address per family/],
    ['trailing comma', { annotations: { 'portside.dev/loadBalancerIPs': '198.51.100.1,' } }, lbIps, /extra comma/],
    ['annotation and spec', { annotations: { 'metallb.io/loadBalancerIPs': '198.51.100.1' }, spec: { loadBalancerIP: '198.51.100.1' } }, 'spec.loadBalancerIP', /remove spec.loadBalancerIP/],
    ['bad spec.loadBalancerIP', { spec: { loadBalancerIP: 'nope' } }, 'spec.loadBalancerIP', /not an IP address/],
    ['prefixes disagree', { annotations: { 'portside.dev/address-pool': 'a', 'metallb.io/address-pool': 'b' } },
      'metadata.annotations["portside.dev/address-pool"]', /"portside.dev\/address-pool".*"metallb.io\/address-pool"/],
    ['old prefixes disagree', { annotations: { 'metallb.io/allow-shared-ip': 'a', 'metallb.universe.tf/allow-shared-ip': 'b' } },
      'metadata.annotations["metallb.io/allow-shared-ip"]', /metallb.universe.tf/],
    ['empty pool name', { annotations: { 'portside.dev/address-pool': ' ' } }, 'metadata.annotations["portside.dev/address-pool"]', /empty/],
    ['IP family mismatch', { annotations: { 'portside.dev/loadBalancerIPs': '2001:db8::1' } }, lbIps, /IPv6 address is requested/],
    ['RequireDualStack with one family', { spec: { ipFamilyPolicy: 'RequireDualStack' } }, 'spec.ipFamilyPolicy', /needs two IP families/],
    ['RequireDualStack with one IP', { annotations: { 'portside.dev/loadBalancerIPs': '198.51.100.1' }, spec: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] } }, lbIps, /requests one address/],
    ['bad policy', { spec: { ipFamilyPolicy: 'Dual' } }, 'spec.ipFamilyPolicy', /unknown ipFamilyPolicy/],
    ['bad family', { spec: { ipFamilies: ['IPv5'] } }, 'spec.ipFamilies[0]', /IPv4 or IPv6/],
    ['bad protocol', { spec: { ports: [{ port: 80, protocol: 'ICMP' }] } }, 'spec.ports[0].protocol', /TCP, UDP or SCTP/],
    ['bad port', { spec: { ports: [{ port: 0 }] } }, 'spec.ports[0].port', /1-65535/],
    ['bad traffic policy', { spec: { externalTrafficPolicy: 'Nearest' } }, 'spec.externalTrafficPolicy', /Cluster or Local/],
  ];
  for (const [name, over, field, re] of cases) {
    const r = parseServiceKnobs(svc(over));
    assert.ok(!r.ok, name);
    assert.equal(r.errors[0]!.field, field, name);
    assert.match(r.errors[0]!.message, re, name);
  }
});

test('never throws on malformed objects', () => {
  const weird = [{}, { metadata: {} }, { spec: { ports: [null] } }, { metadata: { name: 'x', annotations: null } }] as unknown as V1Service[];
  for (const s of weird) assert.doesNotThrow(() => parseServiceKnobs(s));
  const r = parseServiceKnobs({ spec: { ports: [null] } } as unknown as V1Service);
  assert.ok(!r.ok);
});

test('isLoadBalancer and handledByClass', () => {
  assert.equal(isLoadBalancer(svc()), true);
  assert.equal(isLoadBalancer(svc({ spec: { type: 'ClusterIP' } })), false);
  assert.equal(isLoadBalancer({}), false);
  assert.equal(handledByClass(svc(), undefined), true);
  assert.equal(handledByClass(svc({ spec: { loadBalancerClass: 'other' } }), undefined), false);
  assert.equal(handledByClass(svc({ spec: { loadBalancerClass: 'portside.dev/lb' } }), 'portside.dev/lb'), true);
  assert.equal(handledByClass(svc(), 'portside.dev/lb'), false);
});
