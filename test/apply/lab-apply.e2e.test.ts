// The bridge half of issue 4's "must show", on Debian's kernel in the kernel lab (this machine's
// kernel has no bridge reject/ct, so a tree with guests does not load here): apply a tree with a
// guest, re-apply (no-op), and keep an established TCP connection to the guest alive across a
// re-apply that changes an unrelated rule. Runs test/apply/lab-apply.sh via test/kernel-lab.
// Needs `npm run deb` first (the script runs build/bundle/fwgen.js); slow under TCG (minutes).
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KERNEL_LAB, labAvailable, labRequired } from '../netns/lab.js';
import { HERE } from './helpers.js';

const ROOT = path.resolve(HERE, '..', '..');
const lab = labAvailable();

describe.runIf(lab.ok || labRequired())(
  'apply with guests on a Proxmox-like kernel (kernel lab)',
  () => {
    it(
      'applies, no-ops, keeps an established connection across a re-apply, stops',
      { timeout: 1_800_000 },
      async () => {
        if (!lab.ok) throw new Error(`CI=true but the kernel lab is unavailable: ${lab.reason}`);
        if (!existsSync(path.join(ROOT, 'build', 'bundle', 'fwgen.js')))
          await execa('npm', ['run', 'deb'], { cwd: ROOT });
        const work = await mkdtemp(path.join(os.tmpdir(), 'fwgen-lab-apply-'));
        try {
          const script = path.join(HERE, 'lab-apply.sh');
          const r =
            lab.mode === 'direct'
              ? await execa(script, [work], { reject: false, all: true })
              : await execa(
                  KERNEL_LAB,
                  ['--share', work, '--timeout', '1500', '--', script, work],
                  { reject: false, all: true, cwd: ROOT },
                );
          const out = String(r.all ?? '');
          const result = (key: string) => new RegExp(`^RESULT ${key} (.*)$`, 'm').exec(out)?.[1];
          expect(result('done'), out).toBe('ok');
          expect(result('apply1'), out).toMatch(/^0 applied/);
          expect(result('tables'), out).toMatch(
            /table inet fwgen,.*table bridge fwgen|table bridge fwgen,.*table inet fwgen/,
          );
          expect(result('apply2'), out).toBe('0 no changes');
          expect(result('reapply'), out).toMatch(/^0 applying changes/);
          expect(result('newport'), out).not.toBe('0');
          expect(result('conn'), out).toBe('ok 40');
          expect(result('stop'), out).toBe('0 ');
          // kernel settings inside the host namespace: per-netns timeouts written, global max refused
          expect(result('set_plan'), out).toMatch(
            new RegExp(
              '^sysctl /sys/module/nf_conntrack/parameters/hashsize \\d+ -> 75776;' +
                'sysctl net\\.netfilter\\.nf_conntrack_max \\d+ -> 303104;' +
                'sysctl net\\.netfilter\\.nf_conntrack_tcp_timeout_established 432000 -> 86400;' +
                'sysctl net\\.netfilter\\.nf_conntrack_tcp_timeout_syn_recv 60 -> 30;$',
            ),
          );
          expect(result('set_apply1'), out).toBe(
            '0 sysctl net.netfilter.nf_conntrack_tcp_timeout_established 432000 -> 86400;' +
              'sysctl net.netfilter.nf_conntrack_tcp_timeout_syn_recv 60 -> 30;',
          );
          expect(result('set_values'), out).toBe('86400 30 ');
          expect(result('set_apply2'), out).toBe('0 0 no changes');
          const [before, after] = (result('set_initial') ?? '').split('-> ');
          expect(after, out).toBe(before);
          console.log(
            `lab (${lab.mode}): no-op apply ${result('noop_ms')} ms (tiny tree, TCG-emulated CPU)`,
          );
        } finally {
          await rm(work, { recursive: true, force: true });
        }
      },
    );
  },
);
