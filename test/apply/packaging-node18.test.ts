// The packaged bundle under Debian 12's own nodejs (18.x, what Proxmox VE 8 runs): the .deb says
// `Depends: nodejs (>= 18)`, so the bundle must give the same output there as under the node
// running this test. test/kernel-lab/node18.sh unpacks Debian's nodejs into the lab cache
// (test/kernel-lab/install.sh runs it); without it this skips, but fails under CI=true.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HERE } from './helpers.js';

const ROOT = path.resolve(HERE, '..', '..');
const required = /^(1|true|yes)$/i.test(process.env.CI ?? '');
const CACHE = process.env.FWGEN_LAB_CACHE ?? path.join(os.homedir(), '.cache', 'fwgen-kernel-lab');
const NODE18 = path.join(CACHE, 'node18', 'node');
const present = existsSync(NODE18);

describe.runIf(required || present)('packaged bundle under Debian 12 nodejs 18', () => {
  let tmp = '';
  let bin = '';

  beforeAll(async () => {
    if (!present) throw new Error(`CI=true but ${NODE18} is missing (test/kernel-lab/node18.sh)`);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'fwgen-node18-'));
    // Own output directory: packaging.test.ts runs `npm run deb` into build/ in parallel.
    await execa(process.execPath, [path.join(ROOT, 'packaging', 'build-deb.mjs')], {
      cwd: ROOT,
      env: { FWGEN_BUILD_DIR: path.join(tmp, 'build') },
    });
    const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    const deb = path.join(tmp, 'build', `fwgen_${pkg.version}_all.deb`);
    expect((await execa('dpkg-deb', ['-f', deb, 'Depends'])).stdout).toBe(
      'nodejs (>= 18), nftables',
    );
    await execa('dpkg-deb', ['-x', deb, path.join(tmp, 'root')]);
    bin = path.join(tmp, 'root', 'usr', 'lib', 'fwgen', 'fwgen.js');
  }, 300_000);

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const both = async (args: string[]) => {
    const run = (node: string) => execa(node, [bin, ...args], { reject: false, cwd: ROOT });
    const [a, b] = await Promise.all([run(NODE18), run(process.execPath)]);
    return { n18: a, cur: b };
  };

  it('is really node 18', async () => {
    expect((await execa(NODE18, ['--version'])).stdout).toMatch(/^v18\./);
  });

  it.each(['lab', 'datacenter', 'libvirt', 'minimal', 'host-off', 'errors'])(
    'compile fixtures/%s: same stdout, stderr and exit code as under this node',
    { timeout: 60_000 },
    async (fixture) => {
      const { n18, cur } = await both([
        'compile',
        '--root',
        path.join('fixtures', fixture),
        '--node',
        'pve1',
        '--localnet',
        '192.0.2.0/24',
      ]);
      expect(n18.stdout).toBe(cur.stdout);
      expect(n18.stderr).toBe(cur.stderr);
      expect(n18.exitCode).toBe(cur.exitCode);
      if (fixture === 'lab') expect(n18.stdout).toMatch(/^add table inet fwgen\n/);
    },
  );

  it('check and --help give the same output', { timeout: 60_000 }, async () => {
    for (const args of [
      ['check', 'fixtures/lab/firewall/cluster.fw', 'fixtures/lab/nodes/pve1/qemu-server/100.conf'],
      ['--help'],
      ['--version'],
    ]) {
      const { n18, cur } = await both(args);
      expect(n18.stdout).toBe(cur.stdout);
      expect(n18.stderr).toBe(cur.stderr);
      expect(n18.exitCode).toBe(cur.exitCode);
    }
  });
});
