// apply, diff and status read the node's links with `ip -j link` ($FWGEN_IP; test/apply/fake-ip.sh
// here): a host rule's altname is loaded as the primary name, a change of the links is a change of
// the inputs (the no-op fast path must not hide it), and status compiles with the same links.
import { readFile, readlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FAKE_NFT, fwgen, sandbox, type Sandbox } from './helpers.js';

let sb: Sandbox;
let env: Record<string, string>;
const tree = () => ['--root', sb.root, '--node', 'pve1'];
/** The fake nft's inet table of this process's network namespace. */
const inet = async () => {
  const ns = (await readlink('/proc/self/ns/net')).replace(/\D/g, '');
  return readFile(path.join(sb.dir, 'fake', `ns-${ns}`, 'inet_fwgen'), 'utf8');
};

beforeEach(async () => {
  sb = await sandbox({ guests: false });
  await sb.write(
    'nodes/pve1/host.fw',
    '[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -i uplink0 -p tcp -dport 2222\n',
  );
  env = {
    FWGEN_NFT: FAKE_NFT,
    FWGEN_STATE_DIR: sb.state,
    FAKE_NFT_DIR: path.join(sb.dir, 'fake'),
    FWGEN_SETTINGS_ROOT: sb.settings,
  };
});
afterEach(() => sb.cleanup());

describe('apply and the node links', () => {
  it('loads an altname as the primary name; status agrees; a links change reloads', async () => {
    const r = await fwgen(['apply', ...tree()], env);
    expect(r.code).toBe(0);
    expect(await inet()).toContain('iifname "eth0" tcp dport 2222 accept');
    const st = await fwgen(['status', ...tree()], env);
    expect(st.stdout).toContain('matches the config');
    expect((await fwgen(['apply', ...tree()], env)).stdout).toBe('no changes\n');

    // uplink0 moves to eth1: same files, other script
    const links = path.join(sb.dir, 'links.json');
    await writeFile(links, '[{"ifname":"eth1","altnames":["uplink0"]}]');
    const again = await fwgen(['apply', ...tree()], { ...env, FAKE_IP_LINKS: links });
    expect(again.stdout).toMatch(/^applying changes/);
    expect(await inet()).toContain('iifname "eth1" tcp dport 2222 accept');
  });

  it('warns about a name on no link, and about links it cannot list', async () => {
    await sb.write(
      'nodes/pve1/host.fw',
      '[OPTIONS]\nenable: 1\n\n[RULES]\nIN ACCEPT -i nosuch0 -p tcp -dport 2222\n',
    );
    const r = await fwgen(['apply', ...tree()], env);
    expect(r.stdout).toMatch(
      /warning: interface 'nosuch0' is not a name or altname .*\[unknown-interface\]/,
    );
    const failing = await fwgen(['apply', ...tree()], { ...env, FWGEN_IP: '/bin/false' });
    expect(failing.stdout).toMatch(
      /^warning: cannot list this node's links \(.*\): -i names are not checked\n/,
    );
    expect(failing.code).toBe(0);
  });

  it('--links FILE replaces ip -j link', async () => {
    const links = path.join(sb.dir, 'links.json');
    await writeFile(links, '[{"ifname":"bond0","altnames":["uplink0"]}]');
    const r = await fwgen(['apply', ...tree(), '--links', links], {
      ...env,
      FWGEN_IP: '/bin/false',
    });
    expect(r.stdout).not.toMatch(/cannot list/);
    expect(await inet()).toContain('iifname "bond0" tcp dport 2222 accept');
  });
});
