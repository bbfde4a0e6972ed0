// fwgen apply/status/stop/diff against the fake nft (test/apply/fake-nft.sh): which nft calls
// happen, what the state file says, and that failures leave "the kernel" alone.
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../src/apply/acquire-lock.js';
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
let fake: string; // FAKE_NFT_DIR
let env: Record<string, string>;
const tree = () => ['--root', sb.root, '--node', 'pve1'];

beforeEach(async () => {
  sb = await sandbox();
  fake = path.join(sb.dir, 'fake');
  env = {
    FWGEN_NFT: FAKE_NFT,
    FWGEN_STATE_DIR: sb.state,
    FAKE_NFT_DIR: fake,
    FWGEN_SETTINGS_ROOT: sb.settings,
    FWGEN_SYSTEMCTL: FAKE_SYSTEMCTL,
    FAKE_SYSTEMCTL_LOG: path.join(sb.dir, 'systemctl.log'),
  };
});
afterEach(() => sb.cleanup());

/** The fake's "kernel" of this process's network namespace: table files by name. */
async function kernel(): Promise<Record<string, string>> {
  const dir = await kernelDir();
  if (!existsSync(dir)) return {};
  const out: Record<string, string> = {};
  for (const f of await readdir(dir)) out[f] = await readFile(path.join(dir, f), 'utf8');
  return out;
}
const kernelDir = async () =>
  path.join(fake, `ns-${(await readlink('/proc/self/ns/net')).replace(/\D/g, '')}`);
const failNext = async (trigger: 'fail-check' | 'fail-load') => {
  await mkdir(fake, { recursive: true });
  await writeFile(path.join(fake, trigger), '');
};
const calls = async (): Promise<string[]> =>
  existsSync(path.join(fake, 'calls'))
    ? (await readFile(path.join(fake, 'calls'), 'utf8')).trim().split('\n')
    : [];
const resetCalls = () => rm(path.join(fake, 'calls'), { force: true });

describe('fwgen apply', () => {
  it('checks, then loads, then records digests', async () => {
    const r = await fwgen(['apply', ...tree()], env);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^applying changes \(config [0-9a-f]{12}\)\napplied \(\d+ ms\)\n$/);
    expect(await calls()).toEqual([
      'list tables',
      '-c -f -',
      '-f -',
      'list tables',
      'list table inet fwgen',
      'list table bridge fwgen',
    ]);
    expect(Object.keys(await kernel()).sort()).toEqual(['bridge_fwgen', 'inet_fwgen']);
    const s = await readJson(path.join(sb.state, 'state.json'));
    expect(s).toMatchObject({
      version: 1,
      lastRun: { result: 'applied' },
      lastChange: { result: 'applied' },
      enabled: true,
      errors: [],
    });
    expect(s.configDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(s.kernelDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(s.guests).toEqual([
      {
        vmid: 100,
        type: 'qemu',
        enabled: true,
        policyIn: 'DROP',
        policyOut: 'ACCEPT',
        filtered: ['tap100i0'],
      },
    ]);
  });

  it('does nothing the second time: no nft transaction, says so', async () => {
    await fwgen(['apply', ...tree()], env);
    await resetCalls();
    const r = await fwgen(['apply', ...tree()], env);
    expect(r).toEqual({ code: 0, stdout: 'no changes\n', stderr: '' });
    expect(await calls()).toEqual([
      'list tables',
      'list table inet fwgen',
      'list table bridge fwgen',
    ]);
    expect((await readJson(path.join(sb.state, 'state.json'))).lastRun.result).toBe('unchanged');
  });

  it('restores a table deleted or changed by hand (drift)', async () => {
    await fwgen(['apply', ...tree()], env);
    const before = await kernel();
    await rm(path.join(await kernelDir(), 'inet_fwgen'));
    const r = await fwgen(['apply', ...tree()], env);
    expect(r.stdout).toBe(
      `kernel tables differ from the last apply: restoring\n${r.stdout.split('\n')[1]}\n`,
    );
    expect(r.stdout).toMatch(/\nrestored \(\d+ ms\)\n$/);
    expect(await kernel()).toEqual(before);

    await writeFile(path.join(await kernelDir(), 'bridge_fwgen'), 'table bridge fwgen {\n}\n');
    expect((await fwgen(['apply', ...tree()], env)).stdout).toMatch(/^kernel tables differ/);
    expect(await kernel()).toEqual(before);
    expect((await readJson(path.join(sb.state, 'state.json'))).lastChange?.result).toBe('restored');
  });

  it('loads again when the config changed', async () => {
    await fwgen(['apply', ...tree()], env);
    await sb.write(
      'firewall/cluster.fw',
      '[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -p tcp -dport 8007\n',
    );
    const r = await fwgen(['apply', ...tree()], env);
    expect(r.stdout).toMatch(/^applying changes \(config \w+\): incremental, /);
    // The fake refuses increments: a refused one changed nothing, so the full script is loaded.
    expect(r.stdout).toContain(
      'warning: incremental update refused (nft -c refused the ruleset: ' +
        'Error: fake nft keeps whole tables only); loading the full ruleset\n',
    );
    expect((await kernel()).inet_fwgen).toContain('tcp dport 8007 accept');
    expect((await readJson(path.join(sb.state, 'state.json'))).lastLoad?.mode).toBe('full');
  });

  it.each([
    [
      'fail-check',
      'nft -c refused the ruleset: /dev/stdin:1:1-3: Error: syntax error, fake check failure',
    ],
    ['fail-load', 'nft -f refused the ruleset: Error: Could not process rule: fake load failure'],
  ] as const)(
    'keeps the running ruleset and exits 3 when nft refuses (%s)',
    async (trigger, message) => {
      await fwgen(['apply', ...tree()], env);
      const before = await kernel();
      const good = await readJson(path.join(sb.state, 'state.json'));
      await sb.write(
        'firewall/cluster.fw',
        '[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -p tcp -dport 8007\n',
      );
      await failNext(trigger);
      await resetCalls();
      const r = await fwgen(['apply', ...tree()], env);
      expect(r.code).toBe(3);
      expect(r.stdout).toContain(`error: ${message}; the running ruleset is kept\n`);
      expect(await kernel()).toEqual(before);
      if (trigger === 'fail-check') expect(await calls()).not.toContain('-f -');
      const s = await readJson(path.join(sb.state, 'state.json'));
      expect(s.lastRun.result).toBe('refused');
      expect(s.errors).toEqual([`error: ${message}`]);
      // The digests still describe the kernel: once nft accepts again, the change is loaded.
      expect([s.configDigest, s.kernelDigest, s.lastChange]).toEqual([
        good.configDigest,
        good.kernelDigest,
        good.lastChange,
      ]);
      await rm(path.join(fake, trigger));
      expect((await fwgen(['apply', ...tree()], env)).stdout).toMatch(/^applying changes/);
    },
  );

  it('--strict loads nothing on a config error (exit 1); without it the line is skipped', async () => {
    await fwgen(['apply', ...tree()], env);
    const before = await kernel();
    await sb.write(
      'firewall/cluster.fw',
      `${'[OPTIONS]\nenable: 1\n\n[RULES]\n'}IN ACCEPT -p tcp -dport 8007\nIN FOO\n`,
    );
    await resetCalls();
    const strict = await fwgen(['apply', '--strict', ...tree()], env);
    expect(strict.code).toBe(1);
    expect((await calls()).filter((c) => c.includes('-f'))).toEqual([]);
    const diag =
      `${sb.root}/firewall/cluster.fw:6:4: error: ` +
      "unknown action 'FOO', expected ACCEPT, DROP or REJECT [unknown-action]";
    expect(strict.stdout).toBe(
      `${diag}\nnot applied: configuration errors; the running ruleset is kept\n`,
    );
    expect(await kernel()).toEqual(before);
    expect(await readJson(path.join(sb.state, 'state.json'))).toMatchObject({
      lastRun: { result: 'config-error' },
      errors: [diag],
    });

    const lax = await fwgen(['apply', ...tree()], env);
    expect(lax.code).toBe(0);
    expect(lax.stdout).toContain(`${diag} (skipped)\napplying changes`);
    expect((await kernel()).inet_fwgen).toContain('tcp dport 8007 accept');
    expect((await readJson(path.join(sb.state, 'state.json'))).errors).toEqual([diag]);
  });

  it('removes its tables when the cluster firewall is disabled', async () => {
    await fwgen(['apply', ...tree()], env);
    await sb.write('firewall/cluster.fw', '[OPTIONS]\nenable: 0\n');
    const r = await fwgen(['apply', ...tree()], env);
    expect(r.stdout).toMatch(/firewall disabled in cluster.fw: fwgen's tables removed/);
    expect(await kernel()).toEqual({});
    expect((await fwgen(['apply', ...tree()], env)).stdout).toBe('no changes\n');
  });

  it('prefixes journal priorities when stdout is the journal', async () => {
    await failNext('fail-check');
    const r = await fwgen(['apply', ...tree()], { ...env, JOURNAL_STREAM: '8:1234' });
    expect(r.stdout.split('\n')[1]).toMatch(/^<3>error: nft -c refused/);
  });

  it('serializes two applies started at once', async () => {
    const slow = { ...env, FAKE_NFT_SLOW: '0.4' };
    const [a, b] = await Promise.all([
      fwgen(['apply', ...tree()], slow),
      fwgen(['apply', ...tree()], slow),
    ]);
    // Exactly one loads; the other waits for the lock, then finds nothing to do.
    const [loader, waiter] = a.stdout.includes('applied') ? [a, b] : [b, a];
    expect(loader.stdout).toMatch(/^applying changes.*\napplied/s);
    expect(waiter.stdout).toMatch(
      new RegExp(
        `^waiting for another fwgen run \\(pid ${process.pid}\\) to finish\nno changes\n$`,
      ),
    );
    expect((await calls()).filter((c) => c === '-f -')).toHaveLength(1);
  });

  it('gives up after --wait when the lock stays taken (exit 75)', async () => {
    const lock = await acquireLock(sb.state);
    try {
      const r = await fwgen(['apply', '--wait', '0.2', ...tree()], env);
      expect(r.code).toBe(75);
      expect(r.stdout).toContain(
        `error: another fwgen run (pid ${process.pid}) holds ${sb.state}/lock; gave up after 0.2 s\n`,
      );
    } finally {
      await lock.release();
    }
  });
});

describe('fwgen apply --dry-run / fwgen diff', () => {
  it('prints a diff of what would change and changes nothing', async () => {
    await fwgen(['apply', ...tree()], env);
    const before = await kernel();
    await sb.write('firewall/cluster.fw', CLUSTER_8007);
    await resetCalls();
    const r = await fwgen(['apply', '--dry-run', ...tree()], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^--- kernel \(fwgen tables\)\n\+\+\+ after apply\n@@ /);
    expect(r.stdout).toMatch(/^-.*tcp dport 8006 accept/m);
    expect(r.stdout).toMatch(/^\+.*tcp dport 8007 accept/m);
    expect(await kernel()).toEqual(before);
    expect((await calls()).filter((c) => c === '-f -')).toHaveLength(1); // the scratch namespace's
    expect((await fwgen(['diff', ...tree()], env)).stdout).toBe(r.stdout);
    await fwgen(['apply', ...tree()], env);
    expect((await fwgen(['diff', ...tree()], env)).stdout).toBe('no changes\n');
  });

  it('exits 3 when nft -c refuses', async () => {
    await failNext('fail-check');
    const r = await fwgen(['diff', ...tree()], env);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe(
      'error: nft -c refused the ruleset: /dev/stdin:1:1-3: Error: syntax error, fake check failure\n',
    );
  });
});

const CLUSTER_8007 =
  '[OPTIONS]\nenable: 1\npolicy_in: DROP\n\n' +
  '[RULES]\nIN SSH(ACCEPT) -source 192.0.2.10\nIN ACCEPT -p tcp -dport 8007\n';

describe('fwgen status', () => {
  it('reports sync, pending changes and drift, as text and JSON', async () => {
    expect((await fwgen(['status', '--json', ...tree()], env)).stdout).toContain(
      '"kernel": "not-loaded"',
    );
    await fwgen(['apply', ...tree()], env);
    const r = await fwgen(['status', ...tree()], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      new RegExp(
        [
          '^firewall: enabled',
          'kernel: matches the config',
          'last run: \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z applied \\(\\d+ ms\\)',
          'last change: \\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z applied',
          'guest 100 \\(qemu\\): firewall on, in DROP, out ACCEPT, filtered tap100i0\n$',
        ].join('\n'),
      ),
    );
    const json = JSON.parse((await fwgen(['status', '--json', ...tree()], env)).stdout);
    expect(json).toMatchObject({
      enabled: true,
      kernel: 'in-sync',
      pendingChanges: false,
      lastRun: { result: 'applied' },
      warnings: [],
      errors: [],
    });
    expect(Object.keys(json)).toEqual([
      'enabled',
      'kernel',
      'pendingChanges',
      'kernelError',
      'configDigest',
      'kernelDigest',
      'lastRun',
      'lastChange',
      'warnings',
      'errors',
      'guests',
    ]);

    await sb.write('firewall/cluster.fw', CLUSTER_8007);
    expect((await fwgen(['status', ...tree()], env)).stdout).toContain(
      'kernel: pending changes (the config changed since the last apply)\n',
    );
    await sb.write('firewall/cluster.fw', CLUSTER_FW);
    await rm(path.join(await kernelDir(), 'inet_fwgen'));
    const drift = JSON.parse((await fwgen(['status', '--json', ...tree()], env)).stdout);
    expect([drift.kernel, drift.pendingChanges]).toEqual(['drift', true]);
  });

  it('shows the errors of the last run', async () => {
    await sb.write('firewall/cluster.fw', '[OPTIONS]\nenable: 1\n\n[RULES]\nIN FOO\n');
    await fwgen(['apply', ...tree()], env);
    const r = await fwgen(['status', ...tree()], env);
    expect(r.stdout).toContain(`${sb.root}/firewall/cluster.fw:5:4: error: unknown action 'FOO'`);
  });
});

describe('fwgen stop', () => {
  it("removes fwgen's tables only, in one transaction", async () => {
    await fwgen(['apply', ...tree()], env);
    await writeFile(path.join(await kernelDir(), 'inet_filter'), 'table inet filter {\n}\n');
    await resetCalls();
    const r = await fwgen(['stop'], env);
    expect(r).toEqual({
      code: 0,
      stdout: "stopped: fwgen's tables removed; this host is not filtered by fwgen now\n",
      stderr: '',
    });
    expect(await calls()).toEqual(['-f -']);
    expect(await kernel()).toEqual({ inet_filter: 'table inet filter {\n}\n' });
    expect(await readJson(path.join(sb.state, 'state.json'))).toMatchObject({
      lastRun: { result: 'stopped' },
      configDigest: null,
    });
    // The next apply loads again.
    expect((await fwgen(['apply', ...tree()], env)).stdout).toMatch(/^applying changes/);
  });

  it('exits 3 when nft refuses', async () => {
    await failNext('fail-load');
    const r = await fwgen(['stop'], env);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe(
      "error: nft refused to remove fwgen's tables: Error: Could not process rule: fake load failure\n",
    );
  });
});

describe('fwgen apply without a readable tree (pmxcfs down)', () => {
  it('keeps the running ruleset, records the error, exits 1', async () => {
    await fwgen(['apply', ...tree()], env);
    const before = await kernel();
    await rm(path.join(sb.root, 'firewall'), { recursive: true });
    await rm(path.join(sb.root, 'nodes'), { recursive: true });
    const r = await fwgen(['apply', ...tree()], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      `error: no 'nodes' directory in '${sb.root}' (is pmxcfs mounted?)\n` +
        'not applied: configuration errors; the running ruleset is kept\n',
    );
    expect(await kernel()).toEqual(before);
    expect((await readJson(path.join(sb.state, 'state.json'))).lastRun.result).toBe('config-error');
  });
});

describe('the no-op fast path', () => {
  it('skips compiling when the inputs are unchanged, but not when the clock matters', async () => {
    await sb.write('firewall/cluster.fw', '[OPTIONS]\nenable: 1\n\n[RULES]\nIN FOO\n');
    await fwgen(['apply', ...tree()], env);
    // Compiling would print the diagnostic again; the fast path prints only the verdict.
    expect((await fwgen(['apply', ...tree()], env)).stdout).toBe('no changes\n');
    // A comment outside any rule changes the inputs, not the script.
    await sb.write('firewall/cluster.fw', '# edited\n[OPTIONS]\nenable: 1\n\n[RULES]\nIN FOO\n');
    expect((await fwgen(['apply', ...tree()], env)).stdout).toMatch(
      /unknown action 'FOO'.*\(skipped\)\nno changes\n$/,
    );
    // enable: <timestamp> is on for 60 s only, so every run compiles.
    await sb.write(
      'firewall/cluster.fw',
      `[OPTIONS]\nenable: ${1_700_000_000 - 10}\n\n[RULES]\nIN FOO\n`,
    );
    await fwgen(['apply', ...tree()], env);
    expect((await fwgen(['apply', ...tree()], env)).stdout).toMatch(
      /unknown action 'FOO'.*\nno changes\n$/,
    );
  });
});
