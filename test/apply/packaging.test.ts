// The Debian package and the systemd units: `npm run deb` builds, the .deb holds the FHS paths,
// the bundled CLI runs from the unpacked tree, and `systemd-analyze verify` accepts the units.
// A missing tool skips here but fails under CI=true.
import { execa, execaSync } from 'execa';
import { mkdtemp, readFile, rm, writeFile, chmod } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { desiredKernelSettings, settingPath } from '../../src/apply/kernel-settings.js';
import { HERE } from './helpers.js';

const ROOT = path.resolve(HERE, '..', '..');
const required = /^(1|true|yes)$/i.test(process.env.CI ?? '');
const has = (tool: string) =>
  execaSync('sh', ['-c', `command -v ${tool}`], { reject: false }).exitCode === 0;

function needs(tool: string): boolean {
  if (has(tool)) return true;
  if (required) throw new Error(`CI=true but '${tool}' is not installed`);
  return false;
}

const UNITS = ['fwgen.service', 'fwgen.timer', 'fwgen-stop.service'];

describe('packaging', () => {
  it.runIf(required || has('dpkg-deb'))(
    'npm run deb builds a .deb with the FHS layout',
    { timeout: 300_000 },
    async () => {
      needs('dpkg-deb');
      const pkg = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as {
        version: string;
      };
      await execa('npm', ['run', 'deb'], { cwd: ROOT });
      const deb = path.join(ROOT, 'build', `fwgen_${pkg.version}_all.deb`);
      const listing = (await execa('dpkg-deb', ['-c', deb])).stdout;
      const entries = listing.split('\n').map((l) => l.split(/\s+/).slice(5).join(' '));
      for (const p of [
        './usr/bin/fwgen -> ../lib/fwgen/fwgen.js',
        './usr/lib/fwgen/fwgen.js',
        './usr/lib/fwgen/package.json',
        ...UNITS.map((u) => `./lib/systemd/system/${u}`),
        './usr/share/man/man8/fwgen.8.gz',
        './usr/share/doc/fwgen/copyright',
      ])
        expect(entries).toContain(p);
      expect(listing).toMatch(
        /-rwxr-xr-x root\/root +\d+ [\d-]+ [\d:]+ \.\/usr\/lib\/fwgen\/fwgen\.js/,
      );
      const control = (await execa('dpkg-deb', ['-f', deb])).stdout;
      expect(control).toContain('Depends: nodejs (>= 18), nftables');
      expect(control).toContain(`Version: ${pkg.version}`);

      // The unpacked bundle runs on its own: no node_modules, no package.json above it.
      const tmp = await mkdtemp(path.join(os.tmpdir(), 'fwgen-deb-'));
      try {
        await execa('dpkg-deb', ['-x', deb, tmp]);
        const bin = path.join(tmp, 'usr', 'bin', 'fwgen');
        expect((await execa(bin, ['--version'])).stdout).toBe(pkg.version);
        const out = await execa(bin, [
          'compile',
          '--root',
          path.join(ROOT, 'fixtures', 'datacenter'),
          '--node',
          'pve1',
          '--localnet',
          '192.0.2.0/24',
        ]);
        expect(out.stdout).toMatch(/^add table inet fwgen\n/);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    },
  );

  it.runIf(required || has('systemd-analyze'))(
    'the units pass systemd-analyze verify',
    async () => {
      needs('systemd-analyze');
      // verify insists that ExecStart binaries exist; fwgen is not installed on the build machine,
      // so the copies point at a stand-in. Nothing else in the units is changed.
      const tmp = await mkdtemp(path.join(os.tmpdir(), 'fwgen-units-'));
      try {
        const stub = path.join(tmp, 'fwgen');
        await writeFile(stub, '#!/bin/sh\n');
        await chmod(stub, 0o755);
        const files: string[] = [];
        for (const unit of UNITS) {
          const text = await readFile(path.join(ROOT, 'packaging', unit), 'utf8');
          await writeFile(path.join(tmp, unit), text.replaceAll('/usr/bin/fwgen', stub));
          files.push(path.join(tmp, unit));
        }
        const r = await execa('systemd-analyze', ['verify', '--man=no', ...files], {
          reject: false,
          all: true,
        });
        expect(r.all).toBe('');
        expect(r.exitCode).toBe(0);
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    },
  );

  it('units: oneshot apply, 10 s timer, stop path, conflicts with both Proxmox firewalls', async () => {
    const unit = async (u: string) => readFile(path.join(ROOT, 'packaging', u), 'utf8');
    const service = await unit('fwgen.service');
    const timer = await unit('fwgen.timer');
    const stop = await unit('fwgen-stop.service');
    expect(service).toMatch(/^Type=oneshot$/m);
    expect(service).toMatch(/^ExecStart=\/usr\/bin\/fwgen apply$/m);
    expect(service).toMatch(/^CapabilityBoundingSet=CAP_NET_ADMIN$/m);
    expect(service).toMatch(/^RestrictAddressFamilies=.*AF_NETLINK/m);
    expect(timer).toMatch(/^OnUnitInactiveSec=10s$/m);
    expect(stop).toMatch(/^ExecStop=\/usr\/bin\/fwgen stop$/m);
    expect(stop).toMatch(/^PartOf=fwgen\.timer$/m);
    for (const u of [service, timer, stop])
      expect(u).toMatch(/^Conflicts=pve-firewall\.service proxmox-firewall\.service$/m);
  });

  it('fwgen.service may write exactly /run (state, fwbr flag) and the kernel settings apply enforces', async () => {
    const service = await readFile(path.join(ROOT, 'packaging', 'fwgen.service'), 'utf8');
    const writable = [...service.matchAll(/^ReadWritePaths=(.*)$/gm)].map((m) => m[1]);
    const settings = desiredKernelSettings({}).map((s) => `-${settingPath(s.name)}`);
    expect(writable.sort()).toEqual(['/run', ...settings].sort());
    expect(service).toMatch(/^ProtectKernelTunables=yes$/m);
    expect(service).toMatch(/^RestrictAddressFamilies=.*AF_UNIX/m); // systemctl try-restart
    // stop writes no settings
    const stop = await readFile(path.join(ROOT, 'packaging', 'fwgen-stop.service'), 'utf8');
    expect([...stop.matchAll(/^ReadWritePaths=(.*)$/gm)].map((m) => m[1])).toEqual(['/run/fwgen']);
  });
});
