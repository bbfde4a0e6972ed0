// The firewall-bridge flag (src/apply/fwbr-flag.ts): `fwgen apply` removes
// /run/proxmox-nftables-firewall-force-disable once its tables are loaded, keeps it while
// pve-firewall runs or when nothing was loaded, and never fails the apply over it.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { releaseFwbrFlag, type FlagFs } from '../../src/apply/fwbr-flag.js';
import { FAKE_NFT, FAILING_NFT, fwgen, sandbox, type Sandbox } from './helpers.js';

let sb: Sandbox;
let env: Record<string, string>;
let flag: string;
let pidFile: string;
const tree = () => ['--root', sb.root, '--node', 'pve1'];

beforeEach(async () => {
  sb = await sandbox();
  flag = path.join(sb.dir, 'force-disable');
  pidFile = path.join(sb.dir, 'pve-firewall.pid');
  env = {
    FWGEN_NFT: FAKE_NFT,
    FWGEN_STATE_DIR: sb.state,
    FAKE_NFT_DIR: path.join(sb.dir, 'fake'),
    FWGEN_SETTINGS_ROOT: sb.settings,
    FWGEN_FWBR_FLAG: flag,
    FWGEN_PVE_FIREWALL_PIDFILE: pidFile,
  };
  await writeFile(flag, '');
});
afterEach(() => sb.cleanup());

describe('fwgen apply and the fwbr flag file', () => {
  it('removes the flag once its tables are loaded, and says so once', async () => {
    const r = await fwgen(['apply', ...tree()], env);
    expect(r.code).toBe(0);
    expect(existsSync(flag)).toBe(false);
    expect(r.stdout).toContain(`removed ${flag}: guests started from now on`);
    // Recreated (pve-firewall started by hand, say): the next no-op run removes it again.
    await writeFile(flag, '');
    const again = await fwgen(['apply', ...tree()], env);
    expect(again.stdout).toMatch(/^no changes\nremoved /);
    expect(existsSync(flag)).toBe(false);
    expect((await fwgen(['apply', ...tree()], env)).stdout).toBe('no changes\n');
  });

  it('keeps the flag while pve-firewall runs (its pid file names a live process)', async () => {
    await writeFile(pidFile, `${process.pid}\n`);
    const r = await fwgen(['apply', ...tree()], env);
    expect(r.code).toBe(0);
    expect(existsSync(flag)).toBe(true);
    // A stale pid file (pve-firewall stopped without removing it) does not keep it.
    await writeFile(pidFile, '2147483646\n');
    await fwgen(['apply', ...tree()], env);
    expect(existsSync(flag)).toBe(false);
  });

  it('keeps the flag when nothing was loaded (nft refused) or the firewall is disabled', async () => {
    const refused = await fwgen(['apply', ...tree()], { ...env, FWGEN_NFT: FAILING_NFT });
    expect(refused.code).not.toBe(0);
    expect(existsSync(flag)).toBe(true);
    await sb.write('firewall/cluster.fw', '[OPTIONS]\nenable: 0\n');
    await fwgen(['apply', ...tree()], env);
    expect(existsSync(flag)).toBe(true);
  });

  it('dry runs and stop leave it alone', async () => {
    await fwgen(['apply', '--dry-run', ...tree()], env);
    await fwgen(['stop'], env);
    expect(existsSync(flag)).toBe(true);
  });
});

describe('releaseFwbrFlag', () => {
  const fs = (over: Partial<FlagFs>): FlagFs => ({
    readFile: async () => {
      throw Object.assign(new Error('no'), { code: 'ENOENT' });
    },
    unlink: async () => undefined,
    alive: () => false,
    ...over,
  });
  const paths = { flag: '/run/f', pidFile: '/run/p' };

  it('reports an absent flag quietly and an unremovable one as a warning', async () => {
    const lines: string[] = [];
    const enoent = Object.assign(new Error('x'), { code: 'ENOENT' });
    const erofs = Object.assign(new Error('x'), { code: 'EROFS' });
    const absent = fs({ unlink: () => Promise.reject(enoent) });
    expect(await releaseFwbrFlag(paths, (l) => lines.push(l), absent)).toBe('absent');
    expect(lines).toEqual([]);
    const ro = fs({ unlink: () => Promise.reject(erofs) });
    expect(await releaseFwbrFlag(paths, (l) => lines.push(l), ro)).toBe('failed: EROFS');
    expect(lines).toEqual([
      'warning: cannot remove /run/f (EROFS): guests started now still get a fwbr bridge',
    ]);
  });

  it('ignores a pid file that holds no pid', async () => {
    let unlinked = false;
    const junk = fs({
      readFile: async () => 'garbage\n',
      alive: () => true,
      unlink: async () => void (unlinked = true),
    });
    expect(await releaseFwbrFlag(paths, () => undefined, junk)).toBe('removed');
    expect(unlinked).toBe(true);
  });
});
