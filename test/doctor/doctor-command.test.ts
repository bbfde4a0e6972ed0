// `fwgen doctor` through commander with faked host facts: exit codes and --json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addDoctorCommand } from '../../src/cli/doctor-command.js';
import type { Io } from '../../src/cli/main.js';
import { nodeReader } from '../../src/load/file-reader.js';
import type { HostFacts } from '../../src/doctor/diagnose-host.js';

const ruleset = (n: string): unknown =>
  JSON.parse(readFileSync(join(import.meta.dirname, 'rulesets', `${n}.json`), 'utf8'));
const facts = (doc: unknown): HostFacts => ({
  ruleset: doc,
  brNetfilter: { loaded: true, callIptables: true, callIp6tables: true },
  ipForward: { v4: true, v6: true },
  bridgeReject: true,
  bridgeConntrack: true,
  activeServices: [],
  iptablesLegacy: [],
});

async function doctor(args: string[], f: HostFacts): Promise<{ code: number; out: string }> {
  let out = '';
  let code = -1;
  const io = {
    ...nodeReader,
    stdout: (s: string) => void (out += s),
    stderr: (s: string) => void (out += s),
    env: {},
  } as unknown as Io;
  const program = new Command('fwgen').exitOverride();
  addDoctorCommand(program, io, (c) => void (code = c), { gatherFacts: async () => f });
  await program.parseAsync(
    [
      'doctor',
      '--inventory',
      'libvirt',
      '--libvirt-xml',
      'fixtures/libvirt/xml',
      '--config-dir',
      'fixtures/libvirt/etc',
      '--node',
      'kvm1',
      ...args,
    ],
    { from: 'user' },
  );
  return { code, out };
}

describe('fwgen doctor', () => {
  it('exits 1 and names Docker when its FORWARD policy drops guest traffic', async () => {
    const r = await doctor([], facts(ruleset('docker')));
    expect(r.code).toBe(1);
    expect(r.out).toContain(
      "block: Docker's table ip filter (iptables-nft): forward chain drops what fwgen accepts",
    );
    expect(r.out).toContain(
      'warn: fixtures/libvirt/xml/macvtap.xml: ' +
        "interface 0 of domain 'macvtap' is a direct (macvtap) interface",
    );
  });

  it('exits 0 with --json when nothing blocks', async () => {
    const r = await doctor(['--json'], facts(ruleset('libvirt')));
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { ok: boolean; findings: { code: string }[] };
    expect(json.ok).toBe(true);
    expect(json.findings.map((f) => f.code)).toContain('br-netfilter-on');
  });
});
