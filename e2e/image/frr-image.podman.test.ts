// The FRR image of `--bgp-backend frr` (frr-image/Dockerfile), built here by
// hack/image/build.sh on the local Debian base: it holds Debian's FRR 8.4 with frr-reload.py,
// vtysh, the daemons, python3, inotifywait and frr-image's scripts; run with exactly the
// security settings of the frr container in config/manifests/portside-frr.yaml (root, every
// capability dropped but the manifest's, no new privileges, read-only root, the Pod's
// supplementalGroups, an emptyDir-like socket dir), watchfrr starts zebra, bgpd, staticd and
// bfdd, and they answer vtysh — the FRR image's own and, through the shared socket dir, the
// Portside image's as the speaker runs it; and the reloader container, run as the manifest
// runs it, applies a configuration written as the speaker writes it (frr-reload.py) and
// answers in reload.status. Needs root (podman runs rootful here): skips loudly without it,
// fails under CI=true.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { requireRoot } from '../netns/skip.ts';
import { waitFor } from '../wait.ts';
import { buildImages, PODMAN, ROOT, run } from './build.ts';

interface PodContainer {
  name: string;
  command?: string[];
  env?: { name: string; value?: string }[];
  volumeMounts?: { name: string; mountPath: string }[];
  securityContext: { runAsUser?: number; allowPrivilegeEscalation?: boolean; readOnlyRootFilesystem?: boolean; capabilities: { drop: string[]; add?: string[] } };
}
interface PodSpec { securityContext?: { supplementalGroups?: number[] }; containers: PodContainer[] }

/** The speaker Pod of the shipped frr manifest. */
function frrPod(): PodSpec {
  const docs = parseAllDocuments(readFileSync(join(ROOT, 'config/manifests/portside-frr.yaml'), 'utf8')).map((d) => d.toJSON() as { kind: string; spec?: { template?: { spec?: PodSpec } } });
  const pod = docs.find((d) => d.kind === 'DaemonSet')?.spec?.template?.spec;
  assert.ok(pod, 'the frr manifest has the speaker DaemonSet');
  return pod;
}

/** podman run flags for one container of the Pod: its user, capabilities, privileges, root, groups. */
function securityFlags(pod: PodSpec, c: PodContainer): string[] {
  const sc = c.securityContext;
  return [
    '--user', `${sc.runAsUser ?? 0}:0`,
    ...sc.capabilities.drop.flatMap((cap) => ['--cap-drop', cap]),
    ...(sc.capabilities.add ?? []).flatMap((cap) => ['--cap-add', cap]),
    ...(sc.allowPrivilegeEscalation === false ? ['--security-opt', 'no-new-privileges'] : []),
    ...(sc.readOnlyRootFilesystem ? ['--read-only'] : []),
    ...(pod.securityContext?.supplementalGroups ?? []).flatMap((g) => ['--group-add', String(g)]),
  ];
}

test('the FRR image, built here from frr-image/Dockerfile, runs FRR as the frr manifest does', async (t) => {
  if (!requireRoot(t)) return;
  const { portside, frr } = buildImages();
  assert.equal(frr.ref, 'localhost/portside-frr:dev');

  await t.test('it holds FRR 8.4\'s daemons, vtysh, frr-reload.py (and python3 to run it), inotifywait and frr-image\'s scripts', () => {
    const scripts = readdirSync(join(ROOT, 'frr-image')).filter((f) => f.endsWith('.sh')).sort();
    assert.ok(scripts.includes('start.sh'), String(scripts));
    const paths = [
      '/usr/bin/vtysh', '/usr/lib/frr/watchfrr', '/usr/lib/frr/zebra', '/usr/lib/frr/bgpd', '/usr/lib/frr/bfdd', '/usr/lib/frr/staticd',
      '/usr/lib/frr/frr-reload.py', '/usr/bin/python3', '/usr/bin/inotifywait', ...scripts.map((f) => `/usr/lib/portside-frr/${f}`),
    ];
    const r = run(PODMAN, ['run', '--rm', '--network', 'none', '--entrypoint', 'sh', frr.id, '-c',
      `for p in ${paths.join(' ')}; do test -x "$p" || echo "missing $p"; done; python3 /usr/lib/frr/frr-reload.py --help >/dev/null || echo 'frr-reload.py --help failed'; /usr/lib/frr/bgpd --version | head -1`]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').filter((l) => l.startsWith('missing') || l.includes('failed')), []);
    assert.match(r.stdout, /^bgpd version 8\.4/m);
    for (const f of scripts) {
      const inImage = run(PODMAN, ['run', '--rm', '--network', 'none', '--entrypoint', 'cat', frr.id, `/usr/lib/portside-frr/${f}`]);
      assert.equal(inImage.stdout, readFileSync(join(ROOT, 'frr-image', f), 'utf8'), `${f} is frr-image/${f}`);
    }
  });

  await t.test('with the manifest\'s security settings, watchfrr starts zebra, bgpd, staticd and bfdd, and they answer vtysh; so does the speaker\'s vtysh', async () => {
    const pod = frrPod();
    const container = (name: string): PodContainer => {
      const c = pod.containers.find((x) => x.name === name);
      assert.ok(c, `container ${name}`);
      return c;
    };
    const frrc = container('frr');
    const mountOf = (c: PodContainer, volume: string) => c.volumeMounts?.find((m) => m.name === volume)?.mountPath;
    assert.equal(mountOf(frrc, 'frr-sockets'), '/var/run/frr');
    // emptyDirs: a fresh directory, mode 0777 as the kubelet makes them.
    const sockets = mkdtempSync(join(tmpdir(), 'portside-frr-sockets-'));
    chmodSync(sockets, 0o777);
    const name = `portside-frr-test-${process.pid}`;
    t.after(() => {
      run(PODMAN, ['rm', '-f', '-t', '0', name]);
      rmSync(sockets, { recursive: true, force: true });
    });
    const started = run(PODMAN, [
      'run', '-d', '--name', name, '--network', 'none', ...securityFlags(pod, frrc),
      '-v', `${sockets}:/var/run/frr`, '--tmpfs', `${mountOf(frrc, 'frr-tmp') ?? '/var/tmp/frr'}:mode=1777`, frr.id,
    ]);
    assert.equal(started.status, 0, started.stderr);
    const vtysh = (...commands: string[]) => run(PODMAN, ['exec', name, 'vtysh', ...commands.flatMap((c) => ['-c', c])]);
    const logs = () => run(PODMAN, ['logs', name]).stderr.slice(-2000);
    await waitFor(() => {
      const r = vtysh('show watchfrr');
      return r.status === 0 && ['zebra', 'bgpd', 'staticd', 'bfdd'].every((d) => new RegExp(`^\\s+${d}\\s+Up$`, 'm').test(r.stdout));
    }, { timeoutMs: 60_000, intervalMs: 250, what: 'watchfrr reporting zebra, bgpd, staticd and bfdd Up' }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; logs:\n${logs()}`, { cause: err });
    });
    const version = vtysh('show version');
    assert.equal(version.status, 0, version.stderr);
    assert.match(version.stdout, /^FRRouting 8\.4/m);
    // The daemons run as FRR's user, the vty sockets are frr:frrvty 0770 (the Pod's supplementalGroups).
    const socketsNow = readdirSync(sockets);
    for (const d of ['zebra', 'bgpd', 'staticd', 'bfdd']) assert.ok(socketsNow.includes(`${d}.vty`), `${d}.vty in ${socketsNow.join(' ')}`);
    const stat = run('stat', ['-c', '%a %g', join(sockets, 'bgpd.vty')]);
    assert.equal(stat.stdout.trim(), '770 901');
    // A configuration change through vtysh reaches bgpd, and bgpd and bfdd answer in JSON.
    const conf = vtysh('configure terminal', 'router bgp 64512', 'bgp router-id 198.51.100.9');
    assert.equal(conf.status, 0, conf.stderr + conf.stdout);
    const bgp = JSON.parse(vtysh('show bgp ipv4 unicast json').stdout) as { localAS?: number; routerId?: string };
    assert.deepEqual({ localAS: bgp.localAS, routerId: bgp.routerId }, { localAS: 64512, routerId: '198.51.100.9' });
    assert.deepEqual(JSON.parse(vtysh('show bfd peers json').stdout), []);

    // The speaker container's vtysh (the Portside image, root, no capability) through the shared socket dir.
    const speaker = container('speaker');
    assert.equal(mountOf(speaker, 'frr-sockets'), '/var/run/frr');
    const asSpeaker = (flags: string[]) => run(PODMAN, [
      'run', '--rm', '--network', 'none', ...flags, '-v', `${sockets}:/var/run/frr`, '--entrypoint', 'vtysh', portside.id,
      '--vty_socket', '/var/run/frr', '-c', 'show bgp ipv4 unicast json',
    ]);
    const fromSpeaker = asSpeaker(securityFlags(pod, speaker));
    assert.equal(fromSpeaker.status, 0, fromSpeaker.stderr);
    assert.equal((JSON.parse(fromSpeaker.stdout) as { localAS?: number }).localAS, 64512);
    // Without the Pod's supplementalGroups the sockets stay shut: the group is what opens them.
    const withoutGroup = asSpeaker(securityFlags({ ...pod, securityContext: {} }, speaker));
    assert.notEqual(withoutGroup.status, 0, withoutGroup.stdout);
    assert.match(withoutGroup.stdout + withoutGroup.stderr, /bgpd is not running/, 'vtysh cannot open bgpd.vty');

    // The reloader container as the manifest runs it (its command, env, mounts, security), with
    // the test playing the speaker's side of the reload protocol: frr.conf (a golden file of the
    // renderer), then reload.request; the answer in reload.status, FRR running that file.
    const reloader = container('reloader');
    const configDir = mkdtempSync(join(tmpdir(), 'portside-frr-config-'));
    chmodSync(configDir, 0o777);
    const reloaderName = `${name}-reloader`;
    t.after(() => {
      run(PODMAN, ['rm', '-f', '-t', '0', reloaderName]);
      rmSync(configDir, { recursive: true, force: true });
    });
    const [command, ...commandArgs] = reloader.command ?? [];
    assert.ok(command, 'the reloader container names its command');
    const reloaderStarted = run(PODMAN, [
      'run', '-d', '--name', reloaderName, '--network', 'none', ...securityFlags(pod, reloader),
      ...(reloader.env ?? []).flatMap((e) => ['--env', `${e.name}=${e.value ?? ''}`]),
      '-v', `${sockets}:${mountOf(reloader, 'frr-sockets')}`, '-v', `${configDir}:${mountOf(reloader, 'frr-config')}`,
      '--tmpfs', `${mountOf(reloader, 'reloader-tmp')}:mode=1777`, '--entrypoint', command, frr.id, ...commandArgs,
    ]);
    assert.equal(reloaderStarted.status, 0, reloaderStarted.stderr);
    const wanted = readFileSync(join(ROOT, 'speaker/frr/fixtures/render-basic.conf'), 'utf8');
    const atomically = (file: string, text: string) => {
      writeFileSync(join(configDir, `.${file}.tmp`), text);
      renameSync(join(configDir, `.${file}.tmp`), join(configDir, file));
    };
    atomically('frr.conf', wanted);
    atomically('reload.request', '1\n');
    const status = await waitFor(() => {
      try {
        const answer = JSON.parse(readFileSync(join(configDir, 'reload.status'), 'utf8')) as { generation: number; ok: boolean; output: string };
        return answer.generation === 1 && answer;
      } catch {
        return undefined;
      }
    }, { timeoutMs: 60_000, intervalMs: 250, what: 'the reloader\'s answer to generation 1' }).catch((err: unknown) => {
      throw new Error(`${(err as Error).message}; reloader logs:\n${run(PODMAN, ['logs', reloaderName]).stderr.slice(-2000)}`, { cause: err });
    });
    assert.equal(status.ok, true, status.output);
    const running = vtysh('show running-config').stdout;
    for (const line of ['router bgp 64513', '  network 203.0.113.7/32', ' neighbor 198.51.100.2 remote-as 64512', 'route-map portside-tor-ipv4-out permit 10']) {
      assert.ok(running.split('\n').includes(line), `FRR runs "${line}":\n${running}`);
    }
    assert.ok(!running.includes('router bgp 64512'), 'what the file does not hold is gone (the test\'s own router bgp)');
  });
});
