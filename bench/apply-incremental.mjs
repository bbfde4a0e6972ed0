#!/usr/bin/env node
// Incremental apply vs full apply, wall time of whole `fwgen apply` processes against a real
// kernel, in a network namespace made here (issue 13: one-guest change ≤ 1 s at 1,000 guests;
// churn of 100 guests in and 100 out at 1,000 is one incremental transaction).
//   1. first apply of an N-guest tree (full load);
//   2. one guest's rule changes its port: `fwgen apply` (incremental), then the same tree applied
//      in full (state dir removed, so apply replaces both tables as it did before increments);
//   3. churn: the first 100 guests go, 100 new ones come: incremental apply, then the full one;
//   4. a no-op apply.
// This machine's kernel has no bridge reject/ct: by default nft gets the PROXY of
// bench/lib/transforms.mjs (`ct state` → `meta mark`, `reject` → `drop`, in the bridge table and
// in incremental `add rule bridge …` lines; same rule and set counts). --lab runs the same inside
// the kernel lab (Debian's kernel, QEMU TCG: slower CPU, real output, no proxy).
// Usage: npm run build && node bench/apply-incremental.mjs [--guests 1000] [--rules 20]
//          [--ipset-entries 10000] [--cli PATH] [--lab] [--no-write]
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSection } from './lib/results.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(here, '..');
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const guests = Number(opt('--guests', 1000));
const rules = Number(opt('--rules', 20));
const entries = Number(opt('--ipset-entries', 10000));
const cli = path.resolve(opt('--cli', path.join(ROOT, 'bin', 'fwgen.js')));
const real = args.includes('--real'); // inside the lab: no proxy
const CHURN = 100;

if (args.includes('--lab')) runInLab();
else {
  const r = measure();
  console.log(`RESULT ${JSON.stringify(r)}`);
  if (!real) report(r, 'PROXY (this kernel)');
}

function runInLab() {
  const work = mkdtempSync(path.join(os.tmpdir(), 'fwgen-bench-incr-lab-'));
  try {
    const pass = args.filter((a) => a !== '--lab' && a !== '--no-write');
    const r = spawnSync(
      path.join(ROOT, 'test', 'kernel-lab', 'kernel-lab'),
      ['--share', work, '--timeout', '3000', '--mem', '2048', '--', 'env', `TMPDIR=${work}`].concat(
        ['node', fileURLToPath(import.meta.url), ...pass, '--real'],
      ),
      { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 28 },
    );
    const out = `${r.stdout}${r.stderr}`;
    const line = /^RESULT (\{.*\})$/m.exec(out);
    if (!line) throw new Error(`lab run failed:\n${out}`);
    report(JSON.parse(line[1]), 'kernel lab (Debian kernel, QEMU TCG)');
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

function measure() {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'fwgen-bench-incr-'));
  const ns = `fwgen-bench-incr-${process.pid}`;
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    // A shell wrapper (node start-up would dominate the small calls); node only to proxy scripts.
    const nft = path.join(tmp, 'nft');
    const proxy = path.join(tmp, 'nft-proxy.mjs');
    writeFileSync(proxy, nftWrapper(ns));
    writeFileSync(
      nft,
      `#!/bin/sh\n${real ? '' : `case " $* " in *" -f "*) exec node ${proxy} "$@";; esac\n`}` +
        `exec ip netns exec ${ns} nft "$@"\n`,
    );
    chmodSync(nft, 0o755);
    // One tree of N + 100 guests; the last 100 are set aside until the churn.
    const root = path.join(tmp, 'pve');
    execFileSync(
      process.execPath,
      [path.join(here, 'gen-tree.mjs'), root, '--guests', String(guests + CHURN)].concat([
        '--rules',
        String(rules),
        '--ipset-entries',
        String(entries),
      ]),
      { stdio: 'ignore' },
    );
    const aside = path.join(tmp, 'aside');
    const move = (vmid, from, to) => {
      for (const rel of guestFiles(vmid)) {
        try {
          execFileSync('mkdir', ['-p', path.dirname(path.join(to, rel))]);
          renameSync(path.join(from, rel), path.join(to, rel));
        } catch {
          // a qemu guest has no lxc/ file and the other way round
        }
      }
    };
    const first = 100; // gen-tree numbers guests from 100
    for (let v = first + guests; v < first + guests + CHURN; v++) move(v, root, aside);

    const state = path.join(tmp, 'state');
    const env = { ...process.env, FWGEN_NFT: nft, FWGEN_STATE_DIR: state };
    const fwgen = () => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(
        process.execPath,
        [cli, 'apply', '--root', root, '--node', 'pve1', '--localnet', '192.0.2.0/24'],
        { env, encoding: 'utf8', maxBuffer: 1 << 28 },
      );
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`fwgen apply exited ${r.status}: ${r.stdout}${r.stderr}`);
      const last = JSON.parse(readFileSync(path.join(state, 'state.json'), 'utf8')).lastLoad ?? {};
      return {
        ms: Math.round(ms),
        ...last,
        log: r.stdout.split('\n').find((l) => /^(applying|no changes)/.test(l)),
      };
    };
    const full = () => {
      rmSync(state, { recursive: true, force: true });
      return fwgen();
    };

    const initial = fwgen();
    const fw = path.join(root, 'firewall', `${first}.fw`);
    writeFileSync(fw, `${readFileSync(fw, 'utf8')}IN ACCEPT -p tcp -dport 4711\n`);
    const oneGuest = fwgen();
    const oneGuestFull = full();
    for (let v = first; v < first + CHURN; v++) move(v, root, aside);
    for (let v = first + guests; v < first + guests + CHURN; v++) move(v, aside, root);
    const churn = fwgen();
    const churnFull = full();
    const noop = fwgen();
    return { guests, rules, entries, initial, oneGuest, oneGuestFull, churn, churnFull, noop };
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
    rmSync(tmp, { recursive: true, force: true });
  }
}

function guestFiles(vmid) {
  return [
    `nodes/pve1/qemu-server/${vmid}.conf`,
    `nodes/pve1/lxc/${vmid}.conf`,
    `firewall/${vmid}.fw`,
  ];
}

/** nft inside the namespace; scripts on stdin pass through the proxy unless --real. */
function nftWrapper(ns) {
  const transforms = path.join(here, 'lib', 'transforms.mjs');
  return `#!/usr/bin/env node
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { proxyForThisKernel } from ${JSON.stringify(transforms)};
const argv = process.argv.slice(2);
let input = argv.includes('-f') ? readFileSync(0, 'utf8') : undefined;
// The bridge table's \`ct mark set\` needs bridge conntrack too: \`meta mark set\` is its proxy.
const more = (t) => t.replace(/\\bct mark set\\b/g, 'meta mark set');
if (input !== undefined && ${!real}) {
  const at = input.indexOf('add table bridge ');
  input = at < 0 ? input : input.slice(0, at) + more(proxyForThisKernel(input.slice(at)));
  // Incremental updates have no table block: proxy their bridge rules line by line.
  const rule = (l) => more(proxyForThisKernel('add table bridge x\\n' + l).slice(19));
  input = input
    .split('\\n')
    .map((l) => (l.startsWith('add rule bridge ') ? rule(l) : l))
    .join('\\n');
}
const io = [input === undefined ? 'ignore' : 'pipe', 'inherit', 'inherit'];
const r = spawnSync('ip', ['netns', 'exec', ${JSON.stringify(ns)}, 'nft', ...argv], { input, stdio: io });
process.exit(r.status ?? 1);
`;
}

function report(r, where) {
  const s = (x) => `${(x.ms / 1000).toFixed(2)} s`;
  const why = (x) => (x.mode === 'full' && /full replace/.test(x.log ?? '') ? `: ${x.log}` : '');
  const sent = (x) =>
    `${x.mode}, ${x.commands} commands, ${(x.bytes / 1024).toFixed(0)} KiB${why(x)}`;
  const lines = [
    `first apply (full):        ${s(r.initial)}  (${sent(r.initial)})`,
    `one-guest change:          ${s(r.oneGuest)}  (${sent(r.oneGuest)})`,
    `  same tree, full apply:   ${s(r.oneGuestFull)}  (${sent(r.oneGuestFull)})`,
    `churn ${CHURN} in / ${CHURN} out:    ${s(r.churn)}  (${sent(r.churn)})`,
    `  same tree, full apply:   ${s(r.churnFull)}  (${sent(r.churnFull)})`,
    `no-op apply:               ${s(r.noop)}`,
  ];
  console.log(
    `${where}: ${r.guests} guests, R=${r.rules}, E=${r.entries}; cli ${path.relative(ROOT, cli)}`,
  );
  for (const l of lines) console.log(l);
  if (args.includes('--no-write')) return;
  const size = `N=${r.guests}, R=${r.rules}, E=${r.entries}`;
  const ratio = (a, b) => `${(a.ms / b.ms).toFixed(2)}× full`;
  writeSection(
    'apply-incremental',
    'Incremental apply vs full apply (bench/apply-incremental.mjs)',
    [
      { what: `fwgen apply, first (full), ${where}`, size, figure: s(r.initial) },
      {
        what: `fwgen apply, one-guest change, ${where}`,
        size,
        figure: `${s(r.oneGuest)} (${sent(r.oneGuest)})`,
        ratio: ratio(r.oneGuest, r.oneGuestFull),
      },
      { what: `fwgen apply, same tree in full, ${where}`, size, figure: s(r.oneGuestFull) },
      {
        what: `fwgen apply, churn ${CHURN} in + ${CHURN} out, ${where}`,
        size,
        figure: `${s(r.churn)} (${sent(r.churn)})`,
        ratio: ratio(r.churn, r.churnFull),
      },
      { what: `fwgen apply, churned tree in full, ${where}`, size, figure: s(r.churnFull) },
      { what: `fwgen apply, no-op, ${where}`, size, figure: s(r.noop) },
    ],
    [
      `Command: \`node bench/apply-incremental.mjs --guests ${r.guests}` +
        `${where.startsWith('kernel') ? ' --lab' : ''}\`.`,
      'Whole `fwgen apply` processes (node start-up, load, compile, nft -c + nft -f, listing) in a',
      'network namespace; "in full" = the same tree with the state dir removed (both tables replaced).',
      'A one-guest change or churn that says `full` fell back (see the log line of `fwgen apply`).',
    ],
  );
}
