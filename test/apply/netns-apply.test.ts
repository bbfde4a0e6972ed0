// fwgen apply/stop on this machine's real kernel, only ever inside a network namespace made here
// (`ip netns add`), never the root namespace: every nft call of the in-process CLI goes through a
// wrapper that enters that namespace. A tree without guests compiles to an inet-only ruleset,
// which this kernel (no bridge reject/ct) can load. The bridge parts are in lab-apply.e2e.test.ts.
import { execa, execaSync } from 'execa';
import { readFile, writeFile, chmod, rm } from 'node:fs/promises';
import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { canonicalListing } from './canonical-listing.js';
import { FAILING_NFT, fwgen, readJson, sandbox, type Sandbox } from './helpers.js';

const FOREIGN = `table inet libvirt_network {
	chain forward {
		type filter hook forward priority filter; policy accept;
		counter jump guest_output
	}
	chain guest_output {
		ip saddr 192.168.122.0/24 iifname "virbr0" counter accept
	}
}
table ip filter {
	chain FORWARD {
		type filter hook forward priority filter; policy drop;
		counter jump DOCKER-USER
	}
	chain DOCKER-USER {
		counter return
	}
}
table inet filter {
	chain input {
		type filter hook input priority filter; policy accept;
		tcp dport 22 accept
	}
}
`;
const FOREIGN_TABLES = ['inet libvirt_network', 'ip filter', 'inet filter'];

function netnsUsable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root';
  const r = execaSync('unshare', ['-n', 'nft', 'list', 'ruleset'], { reject: false });
  if (r.exitCode !== 0) return `nft in a new namespace failed: ${r.stderr || r.shortMessage}`;
  return execaSync('ip', ['netns', 'list'], { reject: false }).exitCode === 0
    ? undefined
    : 'ip netns unusable';
}
const why = netnsUsable();
const required = /^(1|true|yes)$/i.test(process.env.CI ?? '');

describe.runIf(why === undefined || required)('apply in a network namespace (real kernel)', () => {
  let sb: Sandbox;
  let ns: string;
  let env: Record<string, string>;
  let calls: string;
  const tree = () => ['--root', sb.root, '--node', 'pve1'];
  const inNs = (...args: string[]) => execa('ip', ['netns', 'exec', ns, ...args]);
  const ruleset = async () => (await inNs('nft', 'list', 'ruleset')).stdout;
  const tables = async () => (await inNs('nft', 'list', 'tables')).stdout.split('\n').sort();
  const foreign = async () =>
    Promise.all(
      FOREIGN_TABLES.map(async (t) => (await inNs('nft', 'list', 'table', ...t.split(' '))).stdout),
    );
  const transactions = async () =>
    (await readFile(calls, 'utf8').catch(() => '')).split('\n').filter((c) => /-f -/.test(c));

  /** An nft for the CLI that runs `inner` inside the test namespace, unless already in another
   * (the scratch `unshare --net` of --dry-run), and logs its arguments. */
  async function nftWrapper(inner: string): Promise<string> {
    const file = path.join(sb.dir, `nft-${path.basename(inner)}`);
    const here = readlinkSync('/proc/self/ns/net');
    await writeFile(
      file,
      `#!/bin/sh
echo "$*" >> '${calls}'
if [ "$(readlink /proc/self/ns/net)" = '${here}' ]; then exec ip netns exec '${ns}' '${inner}' "$@"; fi
exec '${inner}' "$@"
`,
    );
    await chmod(file, 0o755);
    return file;
  }

  beforeEach(async () => {
    if (why !== undefined) throw new Error(`CI=true but network namespaces are unusable: ${why}`);
    sb = await sandbox({ guests: false });
    ns = `fwgen-apply-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    calls = path.join(sb.dir, 'calls');
    await execa('ip', ['netns', 'add', ns]);
    await execa('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: FOREIGN });
    env = {
      FWGEN_NFT: await nftWrapper('nft'),
      FWGEN_STATE_DIR: sb.state,
      FWGEN_SETTINGS_ROOT: sb.settings,
    };
  });
  afterEach(async () => {
    await execa('ip', ['netns', 'del', ns], { reject: false });
    await sb.cleanup();
  });

  it('applies, does nothing the second time, restores a deleted table, stops; foreign tables untouched', async () => {
    const foreignBefore = await foreign();
    const first = await fwgen(['apply', ...tree()], env);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^applying changes .*\napplied \(\d+ ms\)\n$/);
    expect(await tables()).toEqual([
      'table inet filter',
      'table inet fwgen',
      'table inet libvirt_network',
      'table ip filter',
    ]);
    const loaded = (await inNs('nft', 'list', 'table', 'inet', 'fwgen')).stdout;
    expect(await foreign()).toEqual(foreignBefore);

    await rm(calls);
    const second = await fwgen(['apply', ...tree()], env);
    expect(second).toEqual({ code: 0, stdout: 'no changes\n', stderr: '' });
    expect(await transactions()).toEqual([]);

    await inNs('nft', 'delete', 'table', 'inet', 'fwgen');
    const third = await fwgen(['apply', ...tree()], env);
    expect(third.stdout).toMatch(/^kernel tables differ from the last apply: restoring\nrestored/);
    expect((await inNs('nft', 'list', 'table', 'inet', 'fwgen')).stdout).toBe(loaded);
    expect(await foreign()).toEqual(foreignBefore);

    // A rule added by hand inside fwgen's table is drift too.
    await inNs('nft', 'add', 'rule', 'inet', 'fwgen', await firstChain(), 'accept');
    expect((await fwgen(['apply', ...tree()], env)).stdout).toMatch(/^kernel tables differ/);
    expect((await inNs('nft', 'list', 'table', 'inet', 'fwgen')).stdout).toBe(loaded);

    await sb.write(
      'firewall/cluster.fw',
      '[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -p tcp -dport 8007\n',
    );
    expect((await fwgen(['apply', ...tree()], env)).stdout).toMatch(/^applying changes/);
    expect(await foreign()).toEqual(foreignBefore);

    expect((await fwgen(['stop'], env)).code).toBe(0);
    expect(await tables()).toEqual([
      'table inet filter',
      'table inet libvirt_network',
      'table ip filter',
    ]);
    expect(await foreign()).toEqual(foreignBefore);
  });

  async function firstChain(): Promise<string> {
    const listing = (await inNs('nft', 'list', 'table', 'inet', 'fwgen')).stdout;
    return /\tchain (\S+) \{/.exec(listing)![1]!;
  }

  it('an nft failure after the check leaves the ruleset byte-identical (exit 3)', async () => {
    await fwgen(['apply', ...tree()], env);
    const before = await ruleset();
    await sb.write(
      'firewall/cluster.fw',
      '[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -p tcp -dport 8007\n',
    );
    const r = await fwgen(['apply', ...tree()], {
      ...env,
      FWGEN_NFT: await nftWrapper(FAILING_NFT),
    });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain(
      'error: nft -f refused the ruleset: Error: Could not process rule: injected failure; ' +
        'the running ruleset is kept',
    );
    expect(await ruleset()).toBe(before);
  });

  it('--strict with an invalid cluster.fw leaves the ruleset byte-identical (exit 1)', async () => {
    await fwgen(['apply', ...tree()], env);
    const before = await ruleset();
    await sb.write(
      'firewall/cluster.fw',
      '[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -p tcp -dport 8007\nIN ACCEPT -p tcp -dport nope\n',
    );
    const r = await fwgen(['apply', '--strict', ...tree()], env);
    expect(r.code).toBe(1);
    expect(await ruleset()).toBe(before);
  });

  it('sends only what changed, in one transaction, and the table lists as a full load of it does', async () => {
    await sb.write(
      'firewall/cluster.fw',
      '[OPTIONS]\nenable: 1\n\n[IPSET admins]\n192.0.2.10\n\n' +
        '[RULES]\nIN SSH(ACCEPT) -source +admins\nIN ACCEPT -p tcp -dport 8006\n',
    );
    await fwgen(['apply', ...tree()], env);
    await sb.write(
      'firewall/cluster.fw',
      '[OPTIONS]\nenable: 1\n\n[IPSET admins]\n192.0.2.10\n192.0.2.11\n\n' +
        '[RULES]\nIN SSH(ACCEPT) -source +admins\nIN ACCEPT -p tcp -dport 8007\nIN DROP -p udp\n',
    );
    await rm(calls, { force: true });
    const r = await fwgen(['apply', ...tree()], env);
    expect(r.stdout).toMatch(/^applying changes \(config [0-9a-f]{12}\): incremental, .*\napplied/);
    // the rules' chain refilled, the ipset's set refilled; nothing else
    expect(r.stdout).toMatch(/: incremental, \d+ commands, 0 chains added, 0 removed, 1 refilled,/);
    expect(await transactions()).toEqual(['-c -f -', '-f -']);
    const edited = await readJson(path.join(sb.state, 'state.json'));
    expect(edited.lastLoad?.mode).toBe('incremental');
    const incremental = (await inNs('nft', 'list', 'table', 'inet', 'fwgen')).stdout;
    expect(incremental).toContain('tcp dport 8007 accept');
    expect((await fwgen(['apply', ...tree()], env)).stdout).toBe('no changes\n');

    // The same config loaded whole, from nothing.
    await inNs('nft', 'delete', 'table', 'inet', 'fwgen');
    await rm(sb.state, { recursive: true, force: true });
    expect((await fwgen(['apply', ...tree()], env)).stdout).toMatch(
      /^applying changes \(config \w+\)\n/,
    );
    const full = await readJson(path.join(sb.state, 'state.json'));
    expect(full.lastLoad?.mode).toBe('full');
    expect(edited.lastLoad!.bytes).toBeLessThan(full.lastLoad!.bytes);
    const fresh = (await inNs('nft', 'list', 'table', 'inet', 'fwgen')).stdout;
    expect(canonicalListing(incremental)).toBe(canonicalListing(fresh));
  });

  it('--dry-run shows the change as nft lists it and changes nothing', async () => {
    await fwgen(['apply', ...tree()], env);
    const before = await ruleset();
    await sb.write(
      'firewall/cluster.fw',
      '[OPTIONS]\nenable: 1\npolicy_in: DROP\n\n' +
        '[RULES]\nIN SSH(ACCEPT) -source 192.0.2.10\nIN ACCEPT -p tcp -dport 8007\n',
    );
    const r = await fwgen(['apply', '--dry-run', ...tree()], env);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /^[-+]\t/.test(l))).toEqual([
      expect.stringMatching(/^-\t+tcp dport 8006 accept/),
      expect.stringMatching(/^\+\t+tcp dport 8007 accept/),
    ]);
    expect(r.stdout).toMatch(
      /\napply would send an incremental update: .* bytes instead of \d+\n$/,
    );
    expect(await ruleset()).toBe(before);
  });
});
