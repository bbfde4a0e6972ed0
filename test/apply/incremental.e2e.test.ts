// Issue 13's proof of incremental apply, on Debian's kernel in the kernel lab: a seeded random
// sequence of config edits (guests, NICs, rules, ipset entries, groups, options) applied
// incrementally in one namespace and loaded whole into a fresh one after every step; both must
// list the same tables (canonical-listing.ts says what is normalised and why). Also: the steps
// were really incremental, and the step that changes one rule of one guest sent a small update.
// Runs test/apply/lab-incremental.mjs via test/kernel-lab; needs `npm run deb` (the bundled CLI).
// FWGEN_LAB_SEED=<n> replays a sequence; the seed is in every failure message.
import { execa } from 'execa';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KERNEL_LAB, labAvailable, labRequired } from '../netns/lab.js';
import { canonicalListing } from './canonical-listing.js';
import { HERE } from './helpers.js';

const ROOT = path.resolve(HERE, '..', '..');
const lab = labAvailable();
const STEPS = 16;

describe.runIf(lab.ok || labRequired())('incremental apply (kernel lab)', () => {
  it(
    'random edits: incremental tables list as a full load of the same tree does',
    { timeout: 2_700_000 },
    async () => {
      if (!lab.ok) throw new Error(`CI=true but the kernel lab is unavailable: ${lab.reason}`);
      if (!existsSync(path.join(ROOT, 'build', 'bundle', 'fwgen.js')))
        await execa('npm', ['run', 'deb'], { cwd: ROOT });
      const seed = Number(process.env.FWGEN_LAB_SEED ?? Math.floor(Math.random() * 1e9));
      const work = await mkdtemp(path.join(os.tmpdir(), 'fwgen-lab-incr-'));
      try {
        const script = path.join(HERE, 'lab-incremental.mjs');
        const argv = [script, work, String(seed), String(STEPS)];
        const r =
          lab.mode === 'direct'
            ? await execa('node', argv, { reject: false, all: true })
            : await execa(
                KERNEL_LAB,
                ['--share', work, '--timeout', '2400', '--', 'node', ...argv],
                { reject: false, all: true, cwd: ROOT },
              );
        const out = String(r.all ?? '');
        const why = `seed ${seed} (FWGEN_LAB_SEED=${seed} replays it)\n${out}`;
        expect(/^RESULT done ok$/m.test(out), why).toBe(true);
        const steps = [...out.matchAll(/^RESULT step (\d+) (\S+) rc=(\S+) mode=(\S+) (.*)$/gm)].map(
          ([, n, edit, rc, mode, rest]) => {
            const num = (k: string) => Number(new RegExp(`${k}=(\\d+)`).exec(rest!)?.[1]);
            return {
              n: Number(n),
              edit: edit!,
              rc,
              mode,
              bytes: num('bytes'),
              full: num('fullbytes'),
            };
          },
        );
        expect(steps.length, why).toBe(STEPS + 1);
        for (const s of steps) {
          expect(s.rc, `step ${s.n} ${s.edit}: ${why}`).toBe('0,0');
          const inc = await readFile(path.join(work, `step-${s.n}.inc`), 'utf8');
          const full = await readFile(path.join(work, `step-${s.n}.full`), 'utf8');
          expect(canonicalListing(inc), `step ${s.n} ${s.edit}, seed ${seed}`).toBe(
            canonicalListing(full),
          );
        }
        expect(steps[0]!.mode).toBe('full');
        // Edits that change nothing (a no-op remove) load nothing: not counted.
        const incremental = steps.filter((s) => s.mode === 'incremental' && !/:none$/.test(s.edit));
        expect(incremental.length, why).toBeGreaterThan(STEPS / 2);
        const one = steps.find((s) => s.edit.startsWith('one-guest-port'))!;
        expect(one.mode, why).toBe('incremental');
        expect(one.bytes, why).toBeLessThan(one.full / 4);
        console.log(
          `lab (${lab.mode}), seed ${seed}: ${incremental.length}/${STEPS} steps incremental; ` +
            `one-guest change ${one.bytes} bytes vs ${one.full} full; ` +
            steps.map((s) => `${s.edit}=${s.mode === 'incremental' ? s.bytes : 'full'}`).join(' '),
        );
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    },
  );
});
