import { duration, interfaceName, labelSelectors, ns, objectName, secretReference } from './common.ts';
import { ipFamily, isIP, seconds } from './cel-functions.ts';
import type { JsonObject, KindSource, Schema } from './schema.ts';
import { has, isObject } from './schema.ts';

const asn = (description: string): Schema => ({
  type: 'integer',
  format: 'int64',
  description: `${description} 1 to 4294967295.`,
  minimum: 1,
  maximum: 4294967295,
});

const ipAddress = (description: string, maxLength = 45): Schema => ({
  type: 'string',
  description,
  maxLength,
  'x-kubernetes-validations': [
    { rule: 'isIP(self)', message: 'must be an IPv4 or IPv6 address', check: (self: string) => isIP(self) },
  ],
});

const isTrue = (self: JsonObject, field: string): boolean => self[field] === true;

export const bgpPeer: KindSource = {
  kind: 'BGPPeer',
  plural: 'bgppeers',
  singular: 'bgppeer',
  description: 'A BGP session the speakers on the selected nodes open to a router.',
  printerColumns: [
    { name: 'Address', type: 'string', jsonPath: '.spec.peerAddress' },
    { name: 'Interface', type: 'string', jsonPath: '.spec.interface', priority: 1 },
    { name: 'ASN', type: 'string', jsonPath: '.spec.peerASN' },
    { name: 'Dynamic ASN', type: 'string', jsonPath: '.spec.dynamicASN', priority: 1 },
    { name: 'BFD Profile', type: 'string', jsonPath: '.spec.bfdProfile' },
    { name: 'Multi Hops', type: 'string', jsonPath: '.spec.ebgpMultiHop' },
  ],
  specRequired: true,
  spec: {
    type: 'object',
    title: 'BGPPeerSpec',
    description: 'Desired state of a BGPPeer (MetalLB v1beta2 shape).',
    required: ['myASN'],
    properties: {
      myASN: asn('AS number of the local end of the session.'),
      peerASN: asn('AS number expected from the peer. Exactly one of peerASN and dynamicASN.'),
      dynamicASN: {
        type: 'string',
        title: 'DynamicASNMode',
        description:
          "Accept the peer's AS number as it comes: internal (must equal myASN) or external (must differ). Exactly one of peerASN and dynamicASN.",
        enum: ['internal', 'external'],
      },
      localASN: asn(
        'AS number presented to this peer instead of myASN (local-as), eBGP only: it differs from myASN and peerASN. Whether the session is iBGP is still decided by myASN and peerASN.',
      ),
      peerAddress: ipAddress('Address to dial. Exactly one of peerAddress and interface.'),
      interface: interfaceName(
        'Host interface for unnumbered BGP (the peer is found by IPv6 link-local address). Exactly one of peerAddress and interface.',
      ),
      sourceAddress: ipAddress('Source address of the session.'),
      peerPort: {
        type: 'integer',
        format: 'int32',
        description: 'TCP port to dial.',
        minimum: 1,
        maximum: 16384,
        default: 179,
      },
      holdTime: {
        ...duration('BGP hold time (RFC 4271): 0 (no keepalives) or 3s to 65535s; with only keepaliveTime set, three times it.'),
        'x-kubernetes-validations': [
          {
            rule: "duration(self) == duration('0s') || (duration(self) >= duration('3s') && duration(self) <= duration('65535s'))",
            message: 'holdTime must be 0 or between 3s and 65535s',
            check: (self: string) => {
              const value = ns(self) ?? 0n;
              return value === 0n || (value >= seconds(3) && value <= seconds(65535));
            },
          },
        ],
      },
      keepaliveTime: duration(
        'BGP keepalive time: at most holdTime in whole seconds; with only holdTime set, a third of it. Alone, it sets holdTime to three times it, so it is 0 or 1s to 21845s.',
      ),
      connectTime: {
        ...duration('How long to wait between connection attempts: whole seconds, 1s to 65535s.'),
        'x-kubernetes-validations': [
          {
            rule: "duration(self) >= duration('1s') && duration(self) <= duration('65535s')",
            message: 'connectTime must be between 1s and 65535s',
            check: (self: string) => {
              const value = ns(self) ?? 0n;
              return value >= seconds(1) && value <= seconds(65535);
            },
          },
          {
            // Hours/minutes/seconds units only: whole seconds without a costly CEL string round-trip.
            rule: "self.matches('^([0-9]+h)?([0-9]+m)?([0-9]+s)?$')",
            message: 'connectTime must be whole seconds (h, m and s units only)',
            check: (self: string) => /^([0-9]+h)?([0-9]+m)?([0-9]+s)?$/.test(self),
          },
        ],
      },
      routerID: {
        type: 'string',
        description: 'BGP router ID to announce (an IPv4 address). Default: chosen by the speaker.',
        maxLength: 15,
        'x-kubernetes-validations': [
          {
            rule: 'isIP(self) && ip(self).family() == 4',
            message: 'routerID must be an IPv4 address',
            check: (self: string) => ipFamily(self) === 4,
          },
        ],
      },
      nodeSelectors: labelSelectors('Nodes that open this session. Empty: all nodes.'),
      password: {
        type: 'string',
        description: 'TCP MD5 password (RFC 2385). Not together with passwordSecret.',
        minLength: 1,
        maxLength: 80,
      },
      passwordSecret: {
        ...secretReference,
        description:
          'A Secret of type kubernetes.io/basic-auth in the Portside namespace whose key "password" holds the TCP MD5 password. Not together with password.',
      },
      bfdProfile: objectName('BFDProfile to run on this session. Unset: no BFD.'),
      enableGracefulRestart: {
        type: 'boolean',
        description:
          'Graceful restart (RFC 4724): the router keeps our routes while the speaker restarts. Fixed at creation: changing it needs a new session.',
      },
      ebgpMultiHop: { type: 'boolean', description: 'The peer is more than one hop away (eBGP only).' },
      vrf: {
        type: 'string',
        description: 'Host VRF whose interfaces carry the session. Unset: the default VRF.',
        minLength: 1,
        maxLength: 15,
      },
      disableMP: {
        type: 'boolean',
        description: 'Deprecated (use dualStackAddressFamily): separate sessions for IPv4 and IPv6 routes.',
        default: false,
      },
      dualStackAddressFamily: {
        type: 'boolean',
        description: "Exchange both families' routes on this session, whatever its own family.",
        default: false,
      },
    },
    'x-kubernetes-validations': [
      {
        rule: 'has(self.peerASN) != has(self.dynamicASN)',
        message: 'exactly one of peerASN and dynamicASN must be set',
        fieldPath: '.peerASN',
        check: (self: JsonObject) => has(self, 'peerASN') !== has(self, 'dynamicASN'),
      },
      {
        rule: 'has(self.peerAddress) != has(self.interface)',
        message: 'exactly one of peerAddress and interface must be set',
        fieldPath: '.peerAddress',
        check: (self: JsonObject) => has(self, 'peerAddress') !== has(self, 'interface'),
      },
      {
        // MetalLB's converter writes `passwordSecret: {}` beside a password: an empty reference is no secret.
        rule: '!has(self.password) || !has(self.passwordSecret) || !has(self.passwordSecret.name)',
        message: 'password and passwordSecret are mutually exclusive',
        fieldPath: '.passwordSecret',
        check: (self: JsonObject) =>
          !has(self, 'password') || !isObject(self.passwordSecret) || !has(self.passwordSecret, 'name'),
      },
      {
        // The speaker sends whole seconds: a keepalive above the truncated hold time would let the session expire.
        rule:
          '!has(self.keepaliveTime) || !has(self.holdTime) || duration(self.keepaliveTime).getMilliseconds() <= duration(self.holdTime).getSeconds() * 1000',
        message: 'keepaliveTime must be at most the hold time (counted in whole seconds)',
        fieldPath: '.keepaliveTime',
        check: (self: JsonObject) => {
          const keepalive = ns(self.keepaliveTime);
          const hold = ns(self.holdTime);
          return keepalive === undefined || hold === undefined || keepalive / 1_000_000n <= (hold / seconds(1)) * 1000n;
        },
      },
      {
        rule:
          "has(self.holdTime) || !has(self.keepaliveTime) || duration(self.keepaliveTime) == duration('0s') || (duration(self.keepaliveTime) >= duration('1s') && duration(self.keepaliveTime) <= duration('21845s'))",
        message:
          'with only keepaliveTime set, the hold time is three times it and must be 0 or between 3s and 65535s: use 0 or 1s to 21845s, or set holdTime',
        fieldPath: '.keepaliveTime',
        check: (self: JsonObject) => {
          const keepalive = ns(self.keepaliveTime);
          if (has(self, 'holdTime') || keepalive === undefined) return true;
          return keepalive === 0n || (keepalive >= seconds(1) && keepalive <= seconds(21845));
        },
      },
      {
        // As MetalLB: the session is iBGP when peerASN equals myASN (localASN only changes what the peer sees).
        rule:
          "!has(self.ebgpMultiHop) || !self.ebgpMultiHop || (has(self.peerASN) ? self.peerASN != self.myASN : (has(self.dynamicASN) && self.dynamicASN == 'external'))",
        message: 'ebgpMultiHop is only valid for eBGP sessions, not iBGP (peerASN equal to myASN, or dynamicASN internal)',
        fieldPath: '.ebgpMultiHop',
        check: (self: JsonObject) => {
          if (!isTrue(self, 'ebgpMultiHop')) return true;
          if (has(self, 'peerASN')) return self.peerASN !== self.myASN;
          return self.dynamicASN === 'external';
        },
      },
      {
        // FRR refuses local-as on an iBGP neighbor, equal to its own AS, or equal to the remote AS.
        rule:
          "!has(self.localASN) || (self.localASN != self.myASN && (has(self.peerASN) ? self.peerASN != self.myASN && self.peerASN != self.localASN : !has(self.dynamicASN) || self.dynamicASN == 'external'))",
        message: 'localASN is for eBGP sessions only: it must differ from myASN and peerASN, and the session must be eBGP (peerASN different from myASN, or dynamicASN external)',
        fieldPath: '.localASN',
        check: (self: JsonObject) => {
          if (!has(self, 'localASN')) return true;
          if (self.localASN === self.myASN) return false;
          if (has(self, 'peerASN')) return self.peerASN !== self.myASN && self.peerASN !== self.localASN;
          return !has(self, 'dynamicASN') || self.dynamicASN === 'external';
        },
      },
      {
        rule:
          '(has(self.enableGracefulRestart) && self.enableGracefulRestart) == (has(oldSelf.enableGracefulRestart) && oldSelf.enableGracefulRestart)',
        message: 'enableGracefulRestart cannot be changed after creation',
        fieldPath: '.enableGracefulRestart',
        check: (self: JsonObject, oldSelf: JsonObject) =>
          isTrue(self, 'enableGracefulRestart') === isTrue(oldSelf, 'enableGracefulRestart'),
      },
    ],
  },
  status: { type: 'object', title: 'BGPPeerStatus', description: 'Observed state (reserved).', properties: {} },
};
