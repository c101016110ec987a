// A BfdManager with one session, for frr.netns.test.ts: run inside a namespace with
// `node netns-worker.ts '<json AddSessionOptions>'`. Prints one JSON object per line:
// ready, state, poll. SIGUSR1 applies the profile in `nextProfile`; SIGTERM removes the
// session (AdminDown to the peer) and exits.
import { BfdManager, type AddSessionOptions } from '../../speaker/bfd/manager.ts';
import type { BFDProfileSpec } from '../../lib/config/index.ts';

const opts = JSON.parse(process.argv[2] ?? '{}') as AddSessionOptions & { nextProfile?: BFDProfileSpec };
const print = (event: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ event, t: Date.now(), ...fields })}\n`);

const manager = new BfdManager();
const session = await manager.addSession(opts);
session.on('stateChange', (c) => print('state', { ...c }));
session.on('pollComplete', () => print('poll', { effective: session.snapshot.effective }));
print('ready', { pid: process.pid, discriminator: session.localDiscriminator });

process.on('SIGUSR1', () => {
  if (opts.nextProfile) manager.updateProfile(session, opts.nextProfile);
  print('profile', { advertised: session.snapshot.advertised, polling: session.snapshot.polling });
});
process.on('SIGTERM', () => {
  void manager.close().then(() => {
    print('closed');
    process.exit(0);
  });
});
