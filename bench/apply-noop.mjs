#!/usr/bin/env node
// No-op apply wall time: the cost of one fwgen.timer tick when nothing changed (goal ≤ 0.3 s at
// 1,000 guests). Generates a tree with bench/gen-tree.mjs, loads it once into test/apply's fake
// nft (which then serves the recorded tables to `nft list`), then times whole `fwgen apply`
// processes that find nothing to do: node start-up + load + compile + digest + 3 `nft list` calls.
// The fake's listing is the script text, not the kernel's; the real-kernel figure comes from the lab.
// Usage: npm run build && node bench/apply-noop.mjs [--guests N] [--runs N] [--cli PATH]
//   --cli PATH  the CLI to time (default bin/fwgen.js; build/bundle/fwgen.js for the bundled .deb one)
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(name);
  return i < 0 ? fallback : args[i + 1];
};
const guests = Number(opt('--guests', 1000));
const runs = Number(opt('--runs', 10));
const cli = path.resolve(opt('--cli', path.join(here, '..', 'bin', 'fwgen.js')));

const tmp = mkdtempSync(path.join(os.tmpdir(), 'fwgen-bench-apply-'));
try {
  const root = path.join(tmp, 'pve');
  execFileSync(
    process.execPath,
    [path.join(here, 'gen-tree.mjs'), root, '--guests', String(guests)],
    { stdio: 'ignore' },
  );
  const env = {
    ...process.env,
    FWGEN_NFT: path.join(here, '..', 'test', 'apply', 'fake-nft.sh'),
    FAKE_NFT_DIR: path.join(tmp, 'fake'),
    FWGEN_STATE_DIR: path.join(tmp, 'state'),
  };
  const fwgen = (...a) => {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(
      process.execPath,
      [cli, ...a, '--root', root, '--node', 'pve1', '--localnet', '192.0.2.0/24'],
      { env, encoding: 'utf8', maxBuffer: 1 << 30 },
    );
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0)
      throw new Error(`fwgen ${a.join(' ')} exited ${r.status}: ${r.stderr || r.stdout}`);
    return { ms, out: r.stdout };
  };
  const first = fwgen('apply');
  const noop = [];
  for (let i = 0; i < runs; i++) {
    const r = fwgen('apply');
    if (!r.out.trimEnd().endsWith('no changes')) throw new Error(`expected a no-op, got: ${r.out}`);
    noop.push(r.ms);
  }
  const compile = [];
  for (let i = 0; i < Math.min(runs, 5); i++) compile.push(fwgen('compile').ms);
  const stats = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return (
      `median ${s[Math.floor(s.length / 2)].toFixed(0)} ms ` +
      `(min ${s[0].toFixed(0)}, max ${s[s.length - 1].toFixed(0)}, n=${s.length})`
    );
  };
  console.log(
    `machine: ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}, node ${process.version}`,
  );
  console.log(
    `tree: ${guests} guests (bench/gen-tree.mjs defaults); cli: ${path.relative(process.cwd(), cli)}`,
  );
  console.log(`first apply (fake nft):  ${first.ms.toFixed(0)} ms`);
  console.log(`no-op apply (fake nft):  ${stats(noop)}`);
  console.log(`compile only (> pipe):   ${stats(compile)}`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
