#!/usr/bin/env node
// Parse throughput: a generated cluster.fw (100,000 lines by default) through parse, and through
// parse + check, in lines per second.
// Usage: npm run build && node bench/parse-throughput.mjs [lines] [--dist DIR] [--runs N]
//   --dist DIR  measure another build (default: ../dist next to this file), e.g. for A/B runs
//   --runs N    measured runs per phase (default 5), after one warm-up run
// Each phase is warmed up once (JIT), then timed N times; the median is reported, with min and max.
// The machine is printed too: numbers from a loaded or different machine are not comparable.
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  if (i < 0) return fallback;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const here = path.dirname(fileURLToPath(import.meta.url));
const dist = path.resolve(opt('--dist', path.join(here, '../dist')));
const RUNS = Number(opt('--runs', 5));
const LINES = Number(args[0] ?? 100_000);

const load = (p) => import(pathToFileURL(path.join(dist, p)).href);
const { Diagnostics } = await load('diag/diagnostic.js');
const { parseFile } = await load('syntax/parse.js');
const { checkFile } = await load('resolve/resolve-config.js');

/** A cluster.fw of `n` lines; returns the text and how many lines of each kind it has. */
function generate(n) {
  const kinds = new Map();
  const out = [];
  const add = (kind, line) => {
    out.push(line);
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  };
  add('header', '[OPTIONS]');
  add('option', 'enable: 1');
  add('option', 'policy_in: DROP');
  add('blank', '');
  add('header', '[ALIASES]');
  for (let i = 0; i < 200; i++) add('alias', `host${i} 10.${i >> 8}.${i & 255}.1 # host ${i}`);
  add('blank', '');
  add('header', '[IPSET big] # generated');
  for (let i = 0; out.length < n * 0.3; i++)
    add(
      'ipset entry',
      `${i % 5 === 0 ? '!' : ''}172.${16 + ((i >> 16) & 15)}.${(i >> 8) & 255}.${i & 255} # entry ${i}`,
    );
  add('blank', '');
  add('header', '[RULES]');
  const rules = [
    [
      'rule: alias, port, log, comment',
      (i) =>
        `IN ACCEPT -source host${i % 200} -p tcp -dport ${1000 + (i % 5000)} -log info # rule ${i}`,
    ],
    ['rule: macro, ipset', () => `IN SSH(ACCEPT) -source +big`],
    [
      'rule: port list, CIDR',
      (i) => `OUT DROP -p udp -dport 53,123,161:162 -dest 192.0.2.${i % 250}/32`,
    ],
    ['rule: disabled, services', () => `|IN REJECT -p tcp -sport 1024:65535 -dport http,https`],
    [
      'rule: icmp type, address list',
      (i) =>
        `IN ACCEPT -p icmp -icmp-type echo-request -source 198.51.100.0/24,203.0.113.${i % 250}`,
    ],
    ['comment', (i) => `# comment line ${i}`],
  ];
  for (let i = 0; out.length < n; i++) {
    const [kind, f] = rules[i % rules.length];
    add(kind, f(i));
  }
  return { text: `${out.join('\n')}\n`, kinds };
}

const { text, kinds } = generate(LINES);
const lines = text.split('\n').length - 1;
const file = { path: 'bench/cluster.fw', text };

/** Wall-clock seconds (median, min, max) and CPU seconds (median; all threads, GC helpers too). */
function time(fn) {
  fn(); // warm-up
  const t = [];
  const cpu = [];
  for (let r = 0; r < RUNS; r++) {
    const c = process.cpuUsage();
    const s = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - s) / 1e9);
    const u = process.cpuUsage(c);
    cpu.push((u.user + u.system) / 1e6);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  return { median: median(t), min: Math.min(...t), max: Math.max(...t), cpu: median(cpu) };
}

const cpus = os.cpus();
const loadavg = os
  .loadavg()
  .map((x) => x.toFixed(2))
  .join(' ');
console.log(
  `machine: ${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} CPUs), ` +
    `node ${process.version}, load average ${loadavg}`,
);
console.log(`build: ${path.relative(process.cwd(), dist) || '.'}`);
console.log(
  `file: ${lines.toLocaleString('en')} lines, ${(text.length / 1e6).toFixed(2)} MB; ` +
    [...kinds].map(([k, n]) => `${k} ${n.toLocaleString('en')}`).join(', '),
);
console.log(
  `timing: wall clock, median of ${RUNS} runs after 1 warm-up run (slowest..fastest); ` +
    'CPU time of the process, median',
);

let tree;
let diagCount = 0;
const report = (name, r) => {
  const rate = (s) => Math.round(lines / s).toLocaleString('en');
  console.log(
    `${name}: ${r.median.toFixed(3)} s, ${rate(r.median)} lines/s ` +
      `(${rate(r.max)}..${rate(r.min)}); CPU ${r.cpu.toFixed(3)} s`,
  );
};
report(
  'parse',
  time(() => {
    tree = parseFile(file, new Diagnostics());
  }),
);
report(
  'parse+check',
  time(() => {
    const d = new Diagnostics();
    checkFile(parseFile(file, d), 'cluster', null, d);
    diagCount = d.list.length;
  }),
);
console.log(`sections ${tree.sections.length}, diagnostics ${diagCount}`);
