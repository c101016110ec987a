// BGPSessionState: one per (node, BGPPeer), written by the speaker of the node: whether its
// BGP session and BFD session with the peer are up. Status only (MetalLB's kind of that name).
import type { KindSource } from './schema.ts';

export const bgpSessionState: KindSource = {
  kind: 'BGPSessionState',
  plural: 'bgpsessionstates',
  singular: 'bgpsessionstate',
  description: 'The BGP and BFD session state between a node and a BGPPeer. Status only.',
  printerColumns: [
    { name: 'Node', type: 'string', jsonPath: '.status.node' },
    { name: 'Peer', type: 'string', jsonPath: '.status.peer' },
    { name: 'BGP', type: 'string', jsonPath: '.status.bgpStatus' },
    { name: 'BFD', type: 'string', jsonPath: '.status.bfdStatus' },
  ],
  specRequired: false,
  status: {
    type: 'object',
    title: 'BGPSessionStateStatus',
    description: 'The session as the speaker of the node sees it.',
    properties: {
      node: { type: 'string', description: 'The node the session runs from.', maxLength: 253 },
      peer: { type: 'string', description: 'Name of the BGPPeer.', maxLength: 253 },
      peerAddress: { type: 'string', description: 'The address the session connects to.', maxLength: 45 },
      bgpStatus: {
        type: 'string',
        description: 'The BGP FSM state: Idle, Connect, Active, OpenSent, OpenConfirm or Established.',
        maxLength: 32,
      },
      bfdStatus: {
        type: 'string',
        description: 'The BFD session state (Up, Down, Init, AdminDown, NoSession); empty when the peer has no bfdProfile.',
        maxLength: 32,
      },
      lastError: { type: 'string', description: 'Why the session last failed or is not up.', maxLength: 1024 },
    },
  },
};
