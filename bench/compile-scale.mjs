#!/usr/bin/env node
// Compile time and peak RSS of `fwgen compile` at N guests, against `nft -c -f` / `nft -f` of the
// same output in a fresh network namespace. Prints numbers and rewrites its section of
// bench/RESULTS.md. Not a test. Needs root (unshare -n), /usr/bin/time (Debian package `time`),
// nft; `--lab` also the kernel lab (test/kernel-lab/kernel-lab).
//
//   npm run build && node bench/compile-scale.mjs [--sizes 100,1000,10000] [--runs 3]
//        [--nft-timeout 900] [--nft-sizes 100,1000] [--lab] [--lab-sizes 100] [--work DIR]
//
// Trees: bench/gen-tree.mjs with R=20 rules per guest and a 10,000-entry cluster ipset at every N
// (the figure is for N=1,000; the same E keeps the sizes comparable).
// nft on THIS kernel: the kernel lacks bridge reject and bridge conntrack, so the real output
// cannot load; the figures are for a PROXY (bench/lib/transforms.mjs proxyForThisKernel: `ct
// state` → `meta mark &`, `reject` → `drop`, bridge table only; same rules, chains and sets).
// nft in the kernel lab (--lab): the real output, under Debian's kernel in QEMU TCG, where
// userspace (fwgen and nft) runs ~25× slower than here: only ratios measured there mean something.
// fwgen itself shares repeated lists as named sets (src/generate/hoist-sets.ts) and keeps all
// ipfilters in two concatenated sets: the kernel's load time grows with sets × set lookups.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { proxyForThisKernel } from './lib/transforms.mjs';
import { writeSection } from './lib/results.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const list = (s) => s.split(',').filter(Boolean).map(Number);
const SIZES = list(opt('sizes', '100,1000,10000'));
const NFT_SIZES = list(opt('nft-sizes', '100,1000'));
const RUNS = Number(opt('runs', '3'));
const NFT_TIMEOUT = Number(opt('nft-timeout', '900'));
const LAB = args.includes('--lab');
const LAB_SIZES = list(opt('lab-sizes', '100'));
const WORK = path.resolve(opt('work', path.join(os.tmpdir(), 'fwgen-bench')));
const R = 20;
const E = 10_000;
mkdirSync(WORK, { recursive: true });

const log = (s) => process.stdout.write(`${s}\n`);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Run argv under /usr/bin/time; returns {s, kb, ok, stderr}. stdout goes to `out` (or is dropped). */
function timed(argv, { out, prefix = [], timeout } = {}) {
  const tfile = path.join(WORK, 'time.out');
  const full = [
    ...prefix,
    ...(timeout ? ['timeout', String(timeout)] : []),
    '/usr/bin/time',
    '-f',
    '%e %M',
    '-o',
    tfile,
    ...argv,
  ];
  const r = spawnSync(full[0], full.slice(1), { maxBuffer: 1 << 30, encoding: 'buffer' });
  if (out) writeFileSync(out, r.stdout);
  const t = existsSync(tfile) ? readFileSync(tfile, 'utf8').trim().split('\n').pop() : '';
  const [s, kb] = t.split(' ').map(Number);
  return { s, kb, ok: r.status === 0, status: r.status, stderr: r.stderr.toString().slice(0, 400) };
}

function tree(n) {
  const dir = path.join(WORK, `tree-${n}`);
  const stamp = path.join(dir, '.params');
  const gen = readFileSync(path.join(ROOT, 'bench/gen-tree.mjs'), 'utf8');
  const params = `guests=${n} rules=${R} ipset=${E} gen=${gen.length}`;
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== params) {
    const r = spawnSync(
      'node',
      [
        path.join(ROOT, 'bench/gen-tree.mjs'),
        dir,
        '--guests',
        String(n),
        '--rules',
        String(R),
        '--ipset-entries',
        String(E),
      ],
      { stdio: 'inherit' },
    );
    if (r.status !== 0) throw new Error('gen-tree failed');
    writeFileSync(stamp, params);
  }
  return dir;
}

const compileArgv = (dir) => [
  'node',
  path.join(ROOT, 'bin/fwgen.js'),
  'compile',
  '--root',
  dir,
  '--node',
  'pve1',
  '--localnet',
  '192.0.2.0/24',
];

// nft figures depend only on the output text: cached by its hash (a rerun after a compile-speed
// change that keeps the output byte-identical does not reload for minutes). --fresh-nft ignores it.
const CACHE = path.join(WORK, 'nft-cache.json');
const cache =
  existsSync(CACHE) && !args.includes('--fresh-nft') ? JSON.parse(readFileSync(CACHE, 'utf8')) : {};

function nftLoad(file, check) {
  const digest = createHash('sha256').update(readFileSync(file)).digest('hex');
  const key = `${digest}:${check ? 'c' : 'f'}:${NFT_TIMEOUT}`;
  if (cache[key]) return { ...cache[key], cached: true };
  const r = nftLoadUncached(file, check);
  cache[key] = {
    s: r.s,
    kb: r.kb,
    timedOut: r.timedOut === true,
    date: new Date().toISOString().slice(0, 10),
  };
  writeFileSync(CACHE, JSON.stringify(cache, null, 1));
  return r;
}

function nftLoadUncached(file, check) {
  // A fresh network namespace per run: nothing loaded before, nothing left behind.
  const r = timed(['nft', ...(check ? ['-c'] : []), '-f', file], {
    prefix: ['unshare', '-n'],
    timeout: NFT_TIMEOUT,
  });
  if (r.status === 124) return { ...r, s: NFT_TIMEOUT, timedOut: true };
  if (!r.ok) throw new Error(`nft ${check ? '-c ' : ''}-f ${file} failed: ${r.stderr}`);
  return r;
}

const fmtS = (r) =>
  (r.timedOut ? `> ${NFT_TIMEOUT} s (timed out)` : `${r.s.toFixed(2)} s`) +
  (r.cached ? ` (measured ${r.date})` : '');
const fmtMB = (kb) => `${Math.round(kb / 1024)} MB`;
const rows = [];
const notes = [];
const results = {};

for (const n of SIZES) {
  const dir = tree(n);
  const out = path.join(WORK, `out-${n}.nft`);
  const cs = [];
  let kb = 0;
  for (let i = 0; i < RUNS; i++) {
    const r = timed(compileArgv(dir), { out });
    if (!r.ok) throw new Error(`compile N=${n} failed: ${r.stderr}`);
    cs.push(r.s);
    kb = Math.max(kb, r.kb);
  }
  const text = readFileSync(out, 'utf8');
  const lines = text.split('\n').length - 1;
  const compile = median(cs);
  results[n] = { compile, kb, lines };
  log(
    `N=${n}: compile ${compile.toFixed(2)} s (runs ${cs.map((x) => x.toFixed(2)).join(' ')}), ` +
      `peak RSS ${fmtMB(kb)}, output ${lines} lines / ${(text.length / 2 ** 20).toFixed(1)} MiB`,
  );
  rows.push({
    what: 'fwgen compile wall (median)',
    size: `N=${n}, R=${R}, E=${E}`,
    figure: `${compile.toFixed(2)} s (runs ${cs.map((x) => x.toFixed(2)).join(', ')})`,
  });
  rows.push({ what: 'fwgen compile peak RSS (max)', size: `N=${n}`, figure: fmtMB(kb), ratio: '' });
  rows.push({
    what: 'nft output size',
    size: `N=${n}`,
    figure: `${lines} lines, ${(text.length / 2 ** 20).toFixed(1)} MiB`,
  });
  if (!NFT_SIZES.includes(n)) continue;

  const proxy = path.join(WORK, `proxy-${n}.nft`);
  writeFileSync(proxy, proxyForThisKernel(text));
  const anon = (text.match(/^ {4}(?!elements)[a-z].*\{ /gm) ?? []).length;
  const named = (text.match(/^ {2}set /gm) ?? []).length;
  const label = 'PROXY (this kernel)';
  // -c is as slow as a real load (the kernel validates the whole batch): one run when slow.
  const c = nftLoad(proxy, true);
  const f = nftLoad(proxy, false);
  const fs2 = [f.s];
  if (f.s < 30 && !f.timedOut && !f.cached)
    for (let i = 1; i < RUNS; i++) fs2.push(nftLoadUncached(proxy, false).s);
  const load = { ...f, s: median(fs2) };
  const ratio = load.timedOut
    ? `< ${(compile / NFT_TIMEOUT).toFixed(4)}`
    : (compile / load.s).toFixed(3);
  log(
    `N=${n}: nft -c -f ${label}: ${fmtS(c)} ${fmtMB(c.kb)}; ` +
      `nft -f: ${fmtS(load)} ${fmtMB(f.kb)}; compile / nft -f = ${ratio}`,
  );
  rows.push({ what: `nft -c -f, ${label}`, size: `N=${n}`, figure: `${fmtS(c)}, ${fmtMB(c.kb)}` });
  rows.push({
    what: `nft -f, ${label}`,
    size: `N=${n}`,
    figure: `${fmtS(load)}, ${fmtMB(f.kb)}`,
    ratio: `compile / nft -f = ${ratio}`,
  });
  notes.push(
    `- N=${n}: ${named} named sets, ${anon} rules with an anonymous set (a list used once) in the output.`,
  );
}

if (LAB) {
  // One VM boot for all lab sizes: compile + nft -c + nft -f of the REAL output inside.
  const script = path.join(WORK, 'lab-compile.sh');
  const cmds = ['set -u', 'cd /tmp', 'echo "LAB kernel $(uname -r)"'];
  for (const n of LAB_SIZES) {
    const dir = tree(n);
    const out = path.join(WORK, `lab-out-${n}.nft`);
    cmds.push(
      `/usr/bin/time -f '%e %M' -o ${WORK}/lab.t ${compileArgv(dir).join(' ')} > ${out}; ` +
        `echo "LAB ${n} compile $(cat ${WORK}/lab.t)"`,
      `unshare -n timeout ${NFT_TIMEOUT} /usr/bin/time -f '%e %M' -o ${WORK}/lab.t nft -c -f ${out} ` +
        `&& echo "LAB ${n} check $(cat ${WORK}/lab.t)" || echo "LAB ${n} check failed"`,
      `unshare -n timeout ${NFT_TIMEOUT} /usr/bin/time -f '%e %M' -o ${WORK}/lab.t nft -f ${out} ` +
        `&& echo "LAB ${n} load $(cat ${WORK}/lab.t)" || echo "LAB ${n} load failed"`,
    );
  }
  writeFileSync(script, `${cmds.join('\n')}\n`);
  const r = spawnSync(
    path.join(ROOT, 'test/kernel-lab/kernel-lab'),
    [
      '--share',
      WORK,
      '--mem',
      '4096',
      '--timeout',
      String(NFT_TIMEOUT * 3 + 600),
      '--',
      'sh',
      script,
    ],
    { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 26 },
  );
  const labOut = `${r.stdout}${r.stderr}`;
  log(
    labOut
      .split('\n')
      .filter((l) => l.startsWith('LAB') || l.includes('kernel-lab'))
      .join('\n'),
  );
  const kernel = /^LAB kernel (\S+)/m.exec(labOut)?.[1] ?? '?';
  const labMachine = `kernel lab: QEMU TCG, 2 vCPU, Debian ${kernel} (userspace ~25× slower than the host)`;
  for (const n of LAB_SIZES) {
    const get = (k) => {
      const m = new RegExp(`^LAB ${n} ${k} ([\\d.]+) (\\d+)`, 'm').exec(labOut);
      return m ? { s: Number(m[1]), kb: Number(m[2]) } : null;
    };
    const c = get('compile'),
      chk = get('check'),
      ld = get('load');
    if (!c) {
      rows.push({
        what: 'kernel lab run',
        size: `N=${n}`,
        figure: 'failed (see the script output)',
        machine: labMachine,
      });
      continue;
    }
    rows.push({
      what: 'fwgen compile wall, kernel lab',
      size: `N=${n}`,
      figure: `${c.s.toFixed(2)} s, ${fmtMB(c.kb)}`,
      ratio: results[n] ? `lab / host = ${(c.s / results[n].compile).toFixed(1)}×` : '',
      machine: labMachine,
    });
    rows.push({
      what: 'nft -c -f real output, kernel lab',
      size: `N=${n}`,
      figure: chk ? `${chk.s.toFixed(2)} s, ${fmtMB(chk.kb)}` : 'failed/timed out',
      machine: labMachine,
    });
    rows.push({
      what: 'nft -f real output, kernel lab',
      size: `N=${n}`,
      figure: ld ? `${ld.s.toFixed(2)} s, ${fmtMB(ld.kb)}` : 'failed/timed out',
      ratio: ld ? `compile / nft -f = ${(c.s / ld.s).toFixed(3)}` : '',
      machine: labMachine,
    });
  }
}

notes.unshift(
  `Command: \`npm run build && node bench/compile-scale.mjs ${args.join(' ')}\` ` +
    `(trees from \`node bench/gen-tree.mjs DIR --guests N --rules ${R} --ipset-entries ${E}\`; ` +
    'compile = `node bin/fwgen.js compile --root DIR --node pve1 --localnet 192.0.2.0/24`, ' +
    `timed with \`/usr/bin/time -f '%e %M'\`, ${RUNS} runs).`,
  '- nft runs in a fresh `unshare -n` namespace each time. ' +
    '**PROXY** rows: this kernel has no bridge reject / bridge conntrack, ' +
    'so the bridge table is loaded with `ct state` → `meta mark &` and `reject` → `drop` ' +
    '(bench/lib/transforms.mjs); same rule, chain and set counts.',
  "- nft's load is mostly kernel time (`%S`), " +
    'and it grows with (sets in the table) × (rules that look a set up) ' +
    '(measured here; not traced to a kernel function). ' +
    'fwgen therefore shares repeated lists as named sets ' +
    'keeps every ipfilter and guest ipset in table-wide `ifname . address` (or `ether_addr . address`) ' +
    'sets, and writes small lists in guest rules out as one rule per element, ' +
    'so the number of kernel sets does not grow with the guests.',
  `- nft sizes measured: ${NFT_SIZES.join(', ')} (timeout ${NFT_TIMEOUT} s).`,
  "- Kernel lab rows: the real output under Debian's kernel in QEMU TCG (no KVM): " +
    'absolute times are meaningless, the ratio compile / nft -f there is the comparable figure.',

  '- The machine is shared with other jobs (2 cores): expect ±30% noise on wall times.',
);
writeSection(
  'compile-scale',
  'Compile time and nft load time (bench/compile-scale.mjs)',
  rows,
  notes,
);
log(`wrote ${path.relative(process.cwd(), path.join(ROOT, 'bench/RESULTS.md'))}`);
