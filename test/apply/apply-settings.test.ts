// Kernel settings through the CLI (apply, diff, --dry-run, stop, state) against the fake nft and a
// fake /proc + /sys + /var/lib under $FWGEN_SETTINGS_ROOT (sandbox().settings), never the real one.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compile } from '../../src/compile.js';
import {
  CLUSTER_FW,
  FAKE_NFT,
  FAKE_SYSTEMCTL,
  fwgen,
  readJson,
  sandbox,
  type Sandbox,
} from './helpers.js';

let sb: Sandbox;
let env: Record<string, string>;
const tree = () => ['--root', sb.root, '--node', 'pve1'];
const HOST_OPTIONS =
  '[OPTIONS]\nenable: 1\nnf_conntrack_max: 300000\n' +
  'nf_conntrack_tcp_timeout_established: 86400\nnf_conntrack_tcp_timeout_syn_recv: 30\n';
const sys = (rel: string) => readFile(path.join(sb.settings, rel), 'utf8');
const MAX = 'proc/sys/net/netfilter/nf_conntrack_max';
const EST = 'proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established';
const FLAG = 'var/lib/pve-firewall/log_nf_conntrack';
const systemctlCalls = async () =>
  (await readFile(path.join(sb.dir, 'systemctl.log'), 'utf8').catch(() => ''))
    .split('\n')
    .filter((l) => l !== '');

beforeEach(async () => {
  sb = await sandbox({ guests: false });
  env = {
    FWGEN_NFT: FAKE_NFT,
    FWGEN_STATE_DIR: sb.state,
    FAKE_NFT_DIR: path.join(sb.dir, 'fake'),
    FWGEN_SETTINGS_ROOT: sb.settings,
    FWGEN_SYSTEMCTL: FAKE_SYSTEMCTL,
    FAKE_SYSTEMCTL_LOG: path.join(sb.dir, 'systemctl.log'),
  };
});
afterEach(() => sb.cleanup());

describe('compile: settings', () => {
  const sources = (cluster: string, host: string) => ({
    node: 'pve1',
    cluster: { path: 'cluster.fw', text: cluster },
    host: { path: 'host.fw', text: host },
    guests: [],
    corosync: null,
  });
  const opts = { format: 'nft' as const, localNetwork: [], now: 0 };

  it('carries the host options, defaults included, as settings', () => {
    const r = compile(sources(CLUSTER_FW, `${HOST_OPTIONS}log_nf_conntrack: 1\n`), opts);
    expect(r.settings.map((s) => `${s.name}=${s.value}`)).toEqual([
      '/sys/module/nf_conntrack/parameters/hashsize=75776',
      'net.netfilter.nf_conntrack_max=303104',
      'net.netfilter.nf_conntrack_tcp_timeout_established=86400',
      'net.netfilter.nf_conntrack_tcp_timeout_syn_recv=30',
      'net.ipv4.tcp_syncookies=1',
      '/var/lib/pve-firewall/log_nf_conntrack=1',
    ]);
    expect(compile(sources(CLUSTER_FW, '[OPTIONS]\nenable: 0\n'), opts).settings).toHaveLength(6);
  });

  it('has none when the cluster firewall is off (pve-firewall then writes none)', () => {
    expect(compile(sources('[OPTIONS]\nenable: 0\n', HOST_OPTIONS), opts).settings).toEqual([]);
  });
});

describe('fwgen apply: kernel settings', () => {
  it('writes the differing ones after the load, logs them, records them; the next run writes nothing', async () => {
    await sb.write('nodes/pve1/host.fw', HOST_OPTIONS);
    const r = await fwgen(['apply', ...tree()], env);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(1)).toEqual([
      'sysctl /sys/module/nf_conntrack/parameters/hashsize 65536 -> 75776',
      'sysctl net.netfilter.nf_conntrack_max 262144 -> 303104',
      'sysctl net.netfilter.nf_conntrack_tcp_timeout_established 432000 -> 86400',
      'sysctl net.netfilter.nf_conntrack_tcp_timeout_syn_recv 60 -> 30',
      expect.stringMatching(/^applied \(\d+ ms\)$/),
      '',
    ]);
    expect(await sys(MAX)).toBe('303104');
    expect(await sys('sys/module/nf_conntrack/parameters/hashsize')).toBe('75776');
    expect(await sys(EST)).toBe('86400');
    const state = await readJson(path.join(sb.state, 'state.json'));
    expect(state.settings?.map((s) => `${s.name}=${s.value}`)).toEqual([
      '/sys/module/nf_conntrack/parameters/hashsize=75776',
      'net.netfilter.nf_conntrack_max=303104',
      'net.netfilter.nf_conntrack_tcp_timeout_established=86400',
      'net.netfilter.nf_conntrack_tcp_timeout_syn_recv=30',
      'net.ipv4.tcp_syncookies=1',
      '/var/lib/pve-firewall/log_nf_conntrack=0',
    ]);
    expect((await fwgen(['apply', ...tree()], env)).stdout).toBe('no changes\n');
    // /var/lib/pve-firewall does not exist here: not created
    expect(existsSync(path.join(sb.settings, 'var'))).toBe(false);
  });

  it('repairs drift on the no-op tick, as pve-firewall rewrites every cycle', async () => {
    await fwgen(['apply', ...tree()], env);
    await writeFile(path.join(sb.settings, EST), '7200\n');
    const r = await fwgen(['apply', ...tree()], env);
    expect(r.stdout).toBe(
      'sysctl net.netfilter.nf_conntrack_tcp_timeout_established 7200 -> 432000\n' +
        'ruleset unchanged; kernel settings written\n',
    );
    expect(await sys(EST)).toBe('432000');
    expect((await readJson(path.join(sb.state, 'state.json'))).lastRun.result).toBe('unchanged');
  });

  it('writes a setting changed alone (the script stays the same)', async () => {
    await fwgen(['apply', ...tree()], env);
    await sb.write(
      'nodes/pve1/host.fw',
      '[OPTIONS]\nenable: 1\nnf_conntrack_tcp_timeout_syn_recv: 45\n',
    );
    const r = await fwgen(['apply', ...tree()], env);
    expect(r.stdout).toBe(
      'sysctl net.netfilter.nf_conntrack_tcp_timeout_syn_recv 60 -> 45\n' +
        'ruleset unchanged; kernel settings written\n',
    );
  });

  it('warns about a write that fails and still writes the rest (exit 0)', async () => {
    // no nf_conntrack module parameters (as without the module): that write fails
    await rm(path.join(sb.settings, 'sys'), { recursive: true });
    await sb.write('nodes/pve1/host.fw', HOST_OPTIONS);
    const r = await fwgen(['apply', ...tree()], env);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(1, 5)).toEqual([
      'sysctl net.netfilter.nf_conntrack_max 262144 -> 303104',
      'sysctl net.netfilter.nf_conntrack_tcp_timeout_established 432000 -> 86400',
      'sysctl net.netfilter.nf_conntrack_tcp_timeout_syn_recv 60 -> 30',
      expect.stringMatching(
        /^warning: not written: sysctl \/sys\/module\/nf_conntrack\/parameters\/hashsize - -> 75776: ENOENT/,
      ),
    ]);
    expect(await sys(MAX)).toBe('303104');
  });

  it('warns when a setting cannot be read, and keeps the ruleset', async () => {
    await rm(path.join(sb.settings, EST));
    await mkdir(path.join(sb.settings, EST)); // reading it fails (EISDIR)
    const r = await fwgen(['apply', ...tree()], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^warning: kernel settings not checked: EISDIR/m);
    expect(r.stdout).toMatch(/^applied \(\d+ ms\)$/m);
  });

  it('writes nothing when the cluster firewall is disabled, and nothing on a refused load', async () => {
    await sb.write('firewall/cluster.fw', '[OPTIONS]\nenable: 0\n');
    await sb.write('nodes/pve1/host.fw', HOST_OPTIONS);
    await fwgen(['apply', ...tree()], env);
    expect(await sys(MAX)).toBe('262144\n');
    expect((await readJson(path.join(sb.state, 'state.json'))).settings).toEqual([]);

    await sb.write('firewall/cluster.fw', CLUSTER_FW);
    await mkdir(env.FAKE_NFT_DIR!, { recursive: true });
    await writeFile(path.join(env.FAKE_NFT_DIR!, 'fail-load'), '');
    expect((await fwgen(['apply', ...tree()], env)).code).toBe(3);
    expect(await sys(MAX)).toBe('262144\n');
  });

  it('keeps log_nf_conntrack in step and restarts pvefw-logger only when it changes', async () => {
    await mkdir(path.join(sb.settings, 'var/lib/pve-firewall'), { recursive: true });
    await writeFile(path.join(sb.settings, FLAG), '0'); // as pve-firewall left it
    await sb.write('nodes/pve1/host.fw', '[OPTIONS]\nenable: 1\nlog_nf_conntrack: 1\n');
    const r = await fwgen(['apply', ...tree()], env);
    expect(r.stdout.split('\n').slice(1, 3)).toEqual([
      'file /var/lib/pve-firewall/log_nf_conntrack 0 -> 1',
      'restarted pvefw-logger.service (if it was running): it reads its setting at start',
    ]);
    expect(await sys(FLAG)).toBe('1');
    expect(await systemctlCalls()).toEqual(['try-restart pvefw-logger.service']);
    expect((await fwgen(['apply', ...tree()], env)).stdout).toBe('no changes\n');
    expect(await systemctlCalls()).toHaveLength(1);

    // without systemd (or pvefw-logger): a warning, the flag is still written
    await sb.write('nodes/pve1/host.fw', '[OPTIONS]\nenable: 1\n');
    const off = await fwgen(['apply', ...tree()], { ...env, FAKE_SYSTEMCTL_FAIL: '1' });
    expect(off.code).toBe(0);
    expect(off.stdout).toBe(
      'file /var/lib/pve-firewall/log_nf_conntrack 1 -> 0\n' +
        'warning: systemctl try-restart pvefw-logger.service failed: Failed to connect to bus: fake\n' +
        'ruleset unchanged; kernel settings written\n',
    );
    expect(await sys(FLAG)).toBe('0');
  });
});

describe('fwgen diff / apply --dry-run: kernel settings', () => {
  it('prints the planned changes as sysctl lines and writes nothing', async () => {
    await fwgen(['apply', ...tree()], env);
    await sb.write('nodes/pve1/host.fw', HOST_OPTIONS);
    const planned =
      'sysctl /sys/module/nf_conntrack/parameters/hashsize 65536 -> 75776\n' +
      'sysctl net.netfilter.nf_conntrack_max 262144 -> 303104\n' +
      'sysctl net.netfilter.nf_conntrack_tcp_timeout_established 432000 -> 86400\n' +
      'sysctl net.netfilter.nf_conntrack_tcp_timeout_syn_recv 60 -> 30\n';
    const d = await fwgen(['diff', ...tree()], env);
    expect(d.code).toBe(0);
    expect(d.stdout).toBe(planned); // same script: no table diff
    expect((await fwgen(['apply', '--dry-run', ...tree()], env)).stdout).toBe(planned);
    expect(await sys(MAX)).toBe('262144\n');
    await fwgen(['apply', ...tree()], env);
    expect((await fwgen(['diff', ...tree()], env)).stdout).toBe('no changes\n');
  });
});

describe('fwgen stop: kernel settings', () => {
  it('leaves them as apply wrote them', async () => {
    await sb.write('nodes/pve1/host.fw', HOST_OPTIONS);
    await fwgen(['apply', ...tree()], env);
    const r = await fwgen(['stop'], env);
    expect(r.code).toBe(0);
    expect(await sys(MAX)).toBe('303104');
    expect(await sys(EST)).toBe('86400');
    expect((await fwgen(['stop', '--help'], env)).stdout).toContain('are left as they are');
  });
});
