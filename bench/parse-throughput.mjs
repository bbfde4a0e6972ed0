#!/usr/bin/env node
// Parse throughput: a generated 100,000-line cluster.fw through parse + check, lines per second.
// Usage: npm run build && node bench/parse-throughput.mjs [lines]   (prints one line per phase)
import { Diagnostics } from '../dist/diag/diagnostic.js';
import { parseFile } from '../dist/syntax/parse.js';
import { checkFile } from '../dist/resolve/resolve-config.js';

const LINES = Number(process.argv[2] ?? 100_000);

function generate(n) {
  const out = ['[OPTIONS]', 'enable: 1', 'policy_in: DROP', '', '[ALIASES]'];
  for (let i = 0; i < 200; i++) out.push(`host${i} 10.${i >> 8}.${i & 255}.1 # host ${i}`);
  out.push('', '[IPSET big] # generated');
  for (let i = 0; out.length < n * 0.3; i++) out.push(`${i % 5 === 0 ? '!' : ''}172.${16 + ((i >> 16) & 15)}.${(i >> 8) & 255}.${i & 255} # entry ${i}`);
  out.push('', '[RULES]');
  const kinds = [
    (i) => `IN ACCEPT -source host${i % 200} -p tcp -dport ${1000 + (i % 5000)} -log info # rule ${i}`,
    (i) => `IN SSH(ACCEPT) -source +big`,
    (i) => `OUT DROP -p udp -dport 53,123,161:162 -dest 192.0.2.${i % 250}/32`,
    (i) => `|IN REJECT -p tcp -sport 1024:65535 -dport http,https`,
    (i) => `IN ACCEPT -p icmp -icmp-type echo-request -source 198.51.100.0/24,203.0.113.${i % 250}`,
    (i) => `# comment line ${i}`,
  ];
  for (let i = 0; out.length < n; i++) out.push(kinds[i % kinds.length](i));
  return `${out.join('\n')}\n`;
}

const text = generate(LINES);
const lines = text.split('\n').length - 1;
const file = { path: 'bench/cluster.fw', text };
// Warm up once (JIT), then measure the median of 5 runs.
const time = (fn) => {
  const t = [];
  for (let r = 0; r < 6; r++) {
    const s = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - s) / 1e9);
  }
  return t.slice(1).sort((a, b) => a - b)[2];
};
let tree;
const parseS = time(() => { tree = parseFile(file, new Diagnostics()); });
const checkS = time(() => { const d = new Diagnostics(); checkFile(parseFile(file, d), 'cluster', null, d); });
console.log(`lines ${lines}`);
console.log(`parse: ${parseS.toFixed(3)} s, ${Math.round(lines / parseS).toLocaleString('en')} lines/s`);
console.log(`parse+check: ${checkS.toFixed(3)} s, ${Math.round(lines / checkS).toLocaleString('en')} lines/s`);
console.log(`sections ${tree.sections.length}`);
