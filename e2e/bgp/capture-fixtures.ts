// Records the raw BGP messages real routers send and writes them to speaker/bgp/fixtures/
// as hex (one message per file), for the pure tests in captured.test.ts.
//
//   sudo node e2e/bgp/capture-fixtures.ts [frr|gobgp|bird …]
//
// Each router (AS 64512, 198.51.100.1 / 2001:db8:100::1) peers over an IPv4 and an IPv6
// session (one family each) with a recording listener in another lab namespace
// (AS 64600, .10 / ::10). The recorder is this same file run with `--record` inside that
// namespace: plain node:net, it answers the router's OPEN with a minimal OPEN built by our
// codec (multiprotocol v4+v6, route refresh, 4-octet AS, graceful restart so routers send
// End-of-RIB), then KEEPALIVEs, and prints every received message as one JSON line.
// The router originates 203.0.113.0/24 and 2001:db8:ff::/48 with community 64512:100 and
// large community 64512:1:2; then the IPv4 neighbor is shut down (Cease) and the router
// stopped (Cease on the IPv6 session, where the router sends one).
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildLab, hostOf } from '../lab/builder.ts';
import { Lab } from '../netns/index.ts';
import type { Netns } from '../netns/index.ts';
import { startBird, startFrr, startGobgp } from '../routers/index.ts';
import { waitFor } from '../wait.ts';
import { parseSocketAddress } from '../../lib/ip/index.ts';
import { decodeMessage, encodeMessage, endOfRibFamily } from '../../speaker/bgp/index.ts';
import { parseBgpId } from '../../speaker/bgp/open.ts';

const SELF = fileURLToPath(import.meta.url);
const FIXTURES = fileURLToPath(new URL('../../speaker/bgp/fixtures/', import.meta.url));

export const CAPTURE = {
  router: { asn: 64512, v4: '198.51.100.1', v6: '2001:db8:100::1' },
  recorder: { asn: 64600, v4: '198.51.100.10', v6: '2001:db8:100::10' },
  prefix4: '203.0.113.0/24',
  prefix6: '2001:db8:ff::/48',
  community: '64512:100',
  largeCommunity: '64512:1:2',
} as const;

interface Recorded {
  session: 'ipv4' | 'ipv6';
  type: number;
  hex: string;
}

// ---- recorder (runs inside the recorder namespace) ----

function recorderOpen(): Buffer {
  const { recorder } = CAPTURE;
  return encodeMessage({
    type: 'open',
    version: 4,
    myAs: recorder.asn,
    holdTime: 90,
    bgpId: parseBgpId(recorder.v4),
    capabilities: [
      { kind: 'multiprotocol', afi: 1, safi: 1 },
      { kind: 'multiprotocol', afi: 2, safi: 1 },
      { kind: 'routeRefresh' },
      { kind: 'fourOctetAs', asn: recorder.asn },
      {
        kind: 'gracefulRestart',
        restarting: false,
        notification: false,
        restartTime: 120,
        families: [{ afi: 1, safi: 1, forwarding: false }, { afi: 2, safi: 1, forwarding: false }],
      },
    ],
    unknownParameters: [],
  });
}

function record(): void {
  const keepalive = encodeMessage({ type: 'keepalive' });
  const serve = (sock: Socket) => {
    const session = parseSocketAddress(sock.remoteAddress ?? '')?.family === 6 ? 'ipv6' : 'ipv4';
    let buf = Buffer.alloc(0);
    let timer: NodeJS.Timeout | undefined;
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 19) {
        const len = buf.readUInt16BE(16);
        if (len < 19 || buf.length < len) break;
        const msg = buf.subarray(0, len);
        buf = buf.subarray(len);
        const type = msg[18] ?? 0;
        process.stdout.write(`${JSON.stringify({ session, type, hex: msg.toString('hex') })}\n`);
        if (type === 1) {
          sock.write(Buffer.concat([recorderOpen(), keepalive]));
          timer = setInterval(() => sock.write(keepalive), 3_000);
        }
      }
    });
    const done = () => clearInterval(timer);
    sock.on('close', done);
    sock.on('error', done);
  };
  createServer(serve).listen({ port: 179, host: '::' }, () => process.stdout.write('{"ready":true}\n'));
}

// ---- driver (root namespace) ----

interface RouterDriver {
  name: string;
  version: string;
  /** Starts the router with both sessions and the two routes. */
  start(lab: Lab, ns: Netns): Promise<{ shutdownV4(): Promise<unknown>; stop(): Promise<unknown> }>;
}

const { router: R, recorder: P } = CAPTURE;

function version(cmd: string, args: string[], re: RegExp): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  const out = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  return re.exec(out)?.[1] ?? 'unknown';
}

const frr: RouterDriver = {
  name: 'frr',
  version: `FRR ${version('dpkg-query', ['-W', '-f', '${Version}', 'frr'], /^(\S+)/)}`,
  async start(lab, ns) {
    const router = await startFrr(lab, ns, {
      asn: R.asn,
      routerId: R.v4,
      daemons: ['zebra', 'bgpd'],
      neighbors: [{ address: P.v4, remoteAs: P.asn }, { address: P.v6, remoteAs: P.asn }],
      extraConfig: [
        'route-map SETCOMM permit 10',
        ` set community ${CAPTURE.community}`,
        ` set large-community ${CAPTURE.largeCommunity}`,
        'exit',
        `router bgp ${R.asn}`,
        ' address-family ipv4 unicast',
        `  network ${CAPTURE.prefix4} route-map SETCOMM`,
        ' exit-address-family',
        ' address-family ipv6 unicast',
        `  network ${CAPTURE.prefix6} route-map SETCOMM`,
        ' exit-address-family',
        'exit',
      ].join('\n'),
    });
    return {
      shutdownV4: () => router.vtysh('configure terminal', `router bgp ${R.asn}`, `neighbor ${P.v4} shutdown`),
      stop: () => router.stop(),
    };
  },
};

const gobgp: RouterDriver = {
  name: 'gobgp',
  version: `GoBGP ${version('gobgpd', ['--version'], /version (\S+)/)}`,
  async start(lab, ns) {
    const router = await startGobgp(lab, ns, {
      asn: R.asn,
      routerId: R.v4,
      // GoBGP sends End-of-RIB only when graceful restart is configured for the neighbor.
      neighbors: [P.v4, P.v6].map((address) => ({ address, peerAs: P.asn, gracefulRestart: { restartTimeS: 120 } })),
    });
    for (const [family, prefix] of [['ipv4', CAPTURE.prefix4], ['ipv6', CAPTURE.prefix6]] as const) {
      await router.cli(['global', 'rib', 'add', '-a', family, prefix, 'community', CAPTURE.community, 'large-community', CAPTURE.largeCommunity]);
    }
    return { shutdownV4: () => router.cli(['neighbor', P.v4, 'shutdown']), stop: () => router.stop() };
  },
};

const bird: RouterDriver = {
  name: 'bird',
  version: `BIRD ${version('bird', ['--version'], /version (\S+)/)}`,
  async start(lab, ns) {
    const [c1, c2] = CAPTURE.community.split(':');
    const [l1, l2, l3] = CAPTURE.largeCommunity.split(':');
    const set = `bgp_community.add((${c1},${c2})); bgp_large_community.add((${l1},${l2},${l3})); accept;`;
    const session = (name: string, addr: string, fam: 'ipv4' | 'ipv6') => [
      `protocol bgp ${name} {`,
      `  local as ${R.asn};`,
      `  neighbor ${addr} as ${P.asn};`,
      '  connect delay time 1;', '  connect retry time 1;', '  error wait time 1, 5;',
      `  ${fam} { import none; export filter { ${set} }; };`,
      '}',
    ];
    const router = await startBird(lab, ns, {
      asn: R.asn,
      routerId: R.v4,
      neighbors: [],
      extraConfig: [
        `protocol static s4 { ipv4; route ${CAPTURE.prefix4} blackhole; }`,
        `protocol static s6 { ipv6; route ${CAPTURE.prefix6} blackhole; }`,
        ...session('n4', P.v4, 'ipv4'),
        ...session('n6', P.v6, 'ipv6'),
      ].join('\n'),
    });
    return { shutdownV4: () => router.birdc('disable n4'), stop: () => router.stop() };
  },
};


const isEor = (m: Recorded) => {
  if (m.type !== 2) return false;
  const { value } = decodeMessage(Buffer.from(m.hex, 'hex'));
  return value.type === 'update' && endOfRibFamily(value) !== undefined;
};
const isAnnounce = (m: Recorded) => m.type === 2 && !isEor(m);

async function capture(driver: RouterDriver): Promise<string[]> {
  const lab = await Lab.create();
  const written: string[] = [];
  try {
    const topo = await buildLab(lab, {
      lan: { v4: '198.51.100.0/24', v6: '2001:db8:100::/64' },
      router: { name: 'rtr', host: hostOf(R.v4) },
      nodes: { count: 1, first: hostOf(P.v4), name: () => 'rec' },
    });
    const [rns, pns] = [topo.router!.ns, topo.nodes[0]!.ns];
    const rec = pns.spawn(process.execPath, [SELF, '--record'], { name: 'recorder' });
    await waitFor(() => rec.jsonLines().some((l) => l.ready), { what: 'recorder listening' });
    const router = await driver.start(lab, rns);
    const msgs = () => rec.jsonLines<Partial<Recorded>>().filter((m): m is Recorded => m.session !== undefined);
    const find = (session: Recorded['session'], pred: (m: Recorded) => boolean) => msgs().find((m) => m.session === session && pred(m));
    for (const s of ['ipv4', 'ipv6'] as const) {
      await waitFor(() => find(s, isAnnounce), { timeoutMs: 30_000, what: `${driver.name}: UPDATE on the ${s} session` });
      await waitFor(() => find(s, isEor), { timeoutMs: 10_000, what: `${driver.name}: End-of-RIB on the ${s} session` })
        .catch((err: unknown) => process.stderr.write(`${(err as Error).message}\n`));
    }
    await router.shutdownV4();
    await waitFor(() => find('ipv4', (m) => m.type === 3), { timeoutMs: 10_000, what: `${driver.name}: NOTIFICATION after neighbor shutdown` })
      .catch((err: unknown) => process.stderr.write(`${(err as Error).message}\n`));
    await router.stop();
    await waitFor(() => find('ipv6', (m) => m.type === 3), { timeoutMs: 5_000, what: `${driver.name}: NOTIFICATION after router stop` })
      .catch((err: unknown) => process.stderr.write(`${(err as Error).message}\n`));

    const save = (name: string, m: Recorded | undefined, how: string) => {
      if (!m) return;
      const file = `${driver.name}-${name}.hex`;
      writeFileSync(`${FIXTURES}${file}`, `# ${driver.version}: ${how}; recorded by e2e/bgp/capture-fixtures.ts\n${m.hex}\n`);
      written.push(file);
    };
    for (const s of ['ipv4', 'ipv6'] as const) {
      const v = s === 'ipv4' ? '4' : '6';
      save(`open-${s}`, find(s, (m) => m.type === 1), `OPEN on the IPv${v} session (family ${s} unicast only)`);
      const prefix = s === 'ipv4' ? CAPTURE.prefix4 : CAPTURE.prefix6;
      save(`update-${s}`, find(s, isAnnounce), `UPDATE announcing ${prefix} with communities, IPv${v} session`);
      save(`eor-${s}`, find(s, isEor), `End-of-RIB for ${s} unicast`);
    }
    save('keepalive', find('ipv4', (m) => m.type === 4), 'KEEPALIVE on the IPv4 session');
    save('notification-shutdown', find('ipv4', (m) => m.type === 3), 'NOTIFICATION after the IPv4 neighbor was shut down');
    save('notification-stop', find('ipv6', (m) => m.type === 3), 'NOTIFICATION on the IPv6 session when the router was stopped (SIGTERM)');
    return written;
  } finally {
    await lab.destroy();
  }
}

async function main(): Promise<void> {
  const drivers = [frr, gobgp, bird];
  const wanted = process.argv.slice(2);
  for (const d of drivers.filter((x) => wanted.length === 0 || wanted.includes(x.name))) {
    const files = await capture(d);
    process.stdout.write(`${d.name} (${d.version}): ${files.join(' ')}\n`);
  }
}

if (process.argv[2] === '--record') record();
else await main();
