// Node's network builtins for the programs, each loaded at its first use and taken as the
// builtin's own object (as `require` gives it):
// - an ESM `import … from 'node:http'` builds the module namespace from every export, which
//   evaluates the lazy `WebSocket` export and loads Node's bundled undici (≈ 0.7 MB of source,
//   ≈ 5.7 MB of RSS) that nothing here uses; one of node:tls parses Node's bundled CA list for
//   `rootCertificates` (≈ 2.4 ms and 1 MB at start-up);
// - the controller's V8 startup snapshot (bin/controller-snapshot.ts) evaluates every module
//   when the image is built, and node:tls and node:http hold native state a snapshot cannot
//   keep: nothing may load them before the program runs.
import type * as Http from 'node:http';
import type * as Https from 'node:https';
import type * as Net from 'node:net';
import type * as Tls from 'node:tls';

let http: typeof Http | undefined;
let https: typeof Https | undefined;
let tls: typeof Tls | undefined;
let net: typeof Net | undefined;

export const nodeHttp = (): typeof Http => (http ??= process.getBuiltinModule('node:http'));
export const nodeHttps = (): typeof Https => (https ??= process.getBuiltinModule('node:https'));
export const nodeTls = (): typeof Tls => (tls ??= process.getBuiltinModule('node:tls'));
export const nodeNet = (): typeof Net => (net ??= process.getBuiltinModule('node:net'));

export type { Agent as AgentType, IncomingMessage, RequestOptions, Server } from 'node:http';
