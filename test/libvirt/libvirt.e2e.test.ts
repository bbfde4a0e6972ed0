// End to end in the kernel lab (test/libvirt/libvirt-lab.sh builds a KVM host in namespaces:
// virbr0 with the libvirt domain 'web' behind vnet0, an unfiltered peer on vnet1, NAT to 'out').
// Shows: with libvirt's libvirt_network table and an admin's default-deny inet filter, doctor
// names what blocks and exits 1; its documented fix makes the guest's allowed service reachable,
// REJECT refuse, the rest drop, DHCP/DNS answered by the host; a Docker-like ip filter FORWARD
// policy drop is named and its fix (DOCKER-USER) makes traffic flow; libvirt's table is untouched.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { execa } from 'execa';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/load/load-inventory.js';
import { compile } from '../../src/compile.js';
import { KERNEL_LAB, labAvailable, labRequired } from '../netns/lab.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const avail = labAvailable();
const skip = !avail.ok && !labRequired();
const rulesets = join(repo, 'test', 'doctor', 'rulesets');

const results = new Map<string, string>();
const outputs = new Map<string, string[]>();
let raw = '';

describe.skipIf(skip)('libvirt guests, foreign tables and fwgen doctor, real packets', () => {
  beforeAll(async () => {
    if (!avail.ok) throw new Error(`kernel lab required (CI) but not available: ${avail.reason}`);
    const dir = mkdtempSync(join(tmpdir(), 'fwgen-libvirt-e2e-'));
    // the lab host's inventory: the running form of 'web' on the default network
    mkdirSync(join(dir, 'xml', 'networks'), { recursive: true });
    mkdirSync(join(dir, 'etc', 'guests'), { recursive: true });
    const fx = join(repo, 'fixtures', 'libvirt');
    copyFileSync(join(fx, 'xml', 'web.running.xml'), join(dir, 'xml', 'web.xml'));
    copyFileSync(
      join(fx, 'xml', 'networks', 'default.xml'),
      join(dir, 'xml', 'networks', 'default.xml'),
    );
    for (const f of ['cluster.fw', 'host.fw', 'guests/web.fw'])
      copyFileSync(join(fx, 'etc', f), join(dir, 'etc', f));
    const flags = {
      inventory: 'libvirt' as const,
      libvirtXml: join(dir, 'xml'),
      configDir: join(dir, 'etc'),
    };
    const inv = await loadInventory(flags, 'kvm1');
    const r = compile(inv.sources, {
      format: 'nft',
      localNetwork: [],
      now: 1_800_000_000,
      serviceBridges: inv.serviceBridges,
    });
    expect(r.diagnostics).toEqual([]);
    writeFileSync(join(dir, 'fwgen.nft'), r.ruleset as string);
    writeFileSync(
      join(dir, 'doctor.args'),
      `--inventory libvirt --libvirt-xml ${join(dir, 'xml')} --config-dir ${join(dir, 'etc')} --node kvm1`,
    );
    for (const [to, from] of [
      ['libvirt_network.nft', 'libvirt.nft'],
      ['admin.nft', 'admin.nft'],
      ['docker.nft', 'docker.nft'],
    ]) {
      copyFileSync(join(rulesets, from!), join(dir, to!));
    }
    // the fixes doctor prints (diagnose-host.ts fixFor), as nft commands
    writeFileSync(
      join(dir, 'admin-fix.nft'),
      [
        'insert rule inet filter forward iifname "virbr0" accept',
        'insert rule inet filter forward oifname "virbr0" accept',
        'insert rule inet filter input iifname "virbr0" udp dport { 67, 547 } accept',
        'insert rule inet filter input iifname "virbr0" meta l4proto { tcp, udp } th dport 53 accept',
      ].join('\n') + '\n',
    );
    writeFileSync(
      join(dir, 'docker-fix.nft'),
      'insert rule ip filter DOCKER-USER iifname "virbr0" accept\n' +
        'insert rule ip filter DOCKER-USER oifname "virbr0" accept\n',
    );
    await build({
      entryPoints: [join(here, 'doctor-main.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      outfile: join(dir, 'doctor.mjs'),
      logLevel: 'silent',
      banner: {
        js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
      },
    });
    const script = join(here, 'libvirt-lab.sh');
    const r2 =
      avail.mode === 'direct'
        ? await execa(script, [dir], { reject: false, all: true, timeout: 600_000 })
        : await execa(KERNEL_LAB, ['--share', dir, '--timeout', '600', '--', script, dir], {
            reject: false,
            all: true,
            timeout: 660_000,
          });
    raw = String(r2.all ?? '');
    writeFileSync(join(dir, 'lab-output.txt'), raw);
    for (const line of raw.split('\n')) {
      let m: RegExpMatchArray | null;
      if ((m = /^RESULT (\S+) ?(.*)$/.exec(line))) results.set(m[1]!, m[2]!.trim());
      else if ((m = /^OUT (\S+) ?(.*)$/.exec(line)))
        outputs.set(m[1]!, [...(outputs.get(m[1]!) ?? []), m[2]!]);
    }
    if (!raw.includes('\nDONE')) throw new Error(`libvirt-lab.sh did not finish:\n${raw}`);
  }, 900_000);

  const get = (id: string): string => {
    const v = results.get(id);
    if (v === undefined) throw new Error(`no RESULT for ${id}\n${raw}`);
    return v;
  };
  const out = (id: string): string => (outputs.get(id) ?? []).join('\n');

  it('loads libvirt-like, admin and fwgen tables side by side', () => {
    for (const id of [
      'libvirt',
      'admin',
      'fwgen',
      'adminfix',
      'docker',
      'dockerfix',
      'fwgen_again',
    ])
      expect(get(id), `${id}: ${out(id)}`).toBe('rc=0');
  });

  it("doctor names the admin's default-deny inet filter and exits 1; nothing gets through", () => {
    expect(get('doctor_admin')).toBe('rc=1');
    expect(out('doctor_admin')).toContain(
      'block: table inet filter: forward chain drops what fwgen accepts, by its policy drop',
    );
    expect(out('doctor_admin')).toContain(
      'block: table inet filter: input chain drops what fwgen accepts, ' +
        'by its policy drop: DHCP from guests on virbr0',
    );
    expect(out('doctor_admin')).toContain(
      'nft insert rule inet filter forward iifname "virbr0" accept',
    );
    expect([
      get('admin_peer_web80'),
      get('admin_web_out80'),
      get('admin_web_dhcp'),
      get('admin_web_dns'),
    ]).toEqual(['TIMEOUT', 'TIMEOUT', 'TIMEOUT', 'TIMEOUT']);
  });

  it("after doctor's fix: allowed service open, REJECT refused, the rest dropped, NAT, DHCP and DNS answered", () => {
    expect(get('doctor_adminfix'), out('doctor_adminfix')).toBe('rc=0');
    expect(get('fixed_peer_web80')).toBe('OPEN');
    expect(get('fixed_peer_web81')).toBe('REFUSED');
    expect(get('fixed_peer_web22')).toBe('TIMEOUT');
    expect(get('fixed_web_out80')).toBe('OPEN');
    expect(get('fixed_web_dhcp')).toBe('GOT 192.168.122.1:67');
    expect(get('fixed_web_dns')).toBe('REPLY');
  });

  it("doctor names Docker's ip filter FORWARD policy drop and exits 1; DOCKER-USER fix makes traffic flow", () => {
    expect(get('doctor_docker')).toBe('rc=1');
    expect(out('doctor_docker')).toContain(
      "block: Docker's table ip filter (iptables-nft): " +
        'forward chain drops what fwgen accepts, by its policy drop',
    );
    expect(out('doctor_docker')).toContain(
      'at: table ip filter, chain FORWARD (type filter hook forward priority 0; policy drop), its policy',
    );
    expect([get('docker_peer_web80'), get('docker_web_out80')]).toEqual(['TIMEOUT', 'TIMEOUT']);
    expect(get('doctor_dockerfix'), out('doctor_dockerfix')).toBe('rc=0');
    expect([
      get('dockerfix_peer_web80'),
      get('dockerfix_peer_web81'),
      get('dockerfix_peer_web22'),
      get('dockerfix_web_out80'),
      get('dockerfix_web_dhcp'),
      get('dockerfix_web_dns'),
    ]).toEqual(['OPEN', 'REFUSED', 'TIMEOUT', 'OPEN', 'GOT 192.168.122.1:67', 'REPLY']);
  });

  it("libvirt's table is byte-identical after fwgen applied (twice)", () => {
    expect(get('libvirt_identical'), out('libvirt_identical')).toBe('yes');
  });
});
