// node:http for the programs. An ESM `import … from 'node:http'` builds the module namespace
// from every export, which evaluates the lazy `WebSocket` export and loads Node's bundled
// undici (≈ 0.7 MB of source, ≈ 5.7 MB of RSS) that nothing here uses; the builtin's own
// object (as `require` gives it) leaves it unloaded.
const http = process.getBuiltinModule('node:http');

export const { Agent, createServer, request } = http;
export type { Agent as AgentType, IncomingMessage, RequestOptions, Server } from 'node:http';
