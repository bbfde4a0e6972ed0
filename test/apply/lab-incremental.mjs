#!/usr/bin/env node
// Runs inside the kernel lab (Debian kernel: bridge reject/ct), as root. Applies a seeded random
// sequence of config edits to a small tree, each step twice: with `fwgen apply` and a kept state
// dir in namespace fwinc-a (incremental where it can), and with a fresh state dir into a fresh
// namespace fwinc-b (a full load from nothing). Writes both namespaces' `nft list table` output
// per step into WORKDIR/step-N.{inc,full} and prints one line per step:
//   RESULT step N <edit> rc=<rc> mode=<full|incremental> commands=C bytes=B fullbytes=F
// Usage: lab-incremental.mjs WORKDIR SEED STEPS   (uses build/bundle/fwgen.js: npm run deb)
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const [work, seedText, stepsText] = process.argv.slice(2);
const seed = Number(seedText);
const steps = Number(stepsText);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const cli = path.join(repo, 'build', 'bundle', 'fwgen.js');
const NS = { inc: 'fwinc-a', full: 'fwinc-b' };

// mulberry32: small, seedable, the same sequence on every machine
let state = seed >>> 0;
function rand() {
  state = (state + 0x6d2b79f5) >>> 0;
  let t = state;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

// The tree as data; rendered whole after every edit.
const tree = {
  policyIn: 'ACCEPT',
  shared: ['198.51.100.1', '198.51.100.0/28'],
  web: ['IN ACCEPT -p tcp -dport 443', 'IN ACCEPT -p tcp -dport 80,8080'],
  guests: new Map(),
};
let nextVmid = 100;
function newGuest() {
  const vmid = nextVmid++;
  const g = {
    vmid,
    lxc: vmid % 3 === 2,
    nics: [0],
    policyIn: 'DROP',
    ipfilter: false,
    group: rand() < 0.5,
    trusted: [`192.0.2.${int(10, 99)}`],
    rules: ['IN ACCEPT -p tcp -dport 22', `IN ACCEPT -p tcp -dport ${int(1000, 1010)}`],
  };
  tree.guests.set(vmid, g);
  return g;
}
// Eight guests: enough that one guest's chains are a small part of the tables.
for (let i = 0; i < 8; i++) newGuest();

const mac = (vmid, nic) =>
  `BC:24:11:00:${(vmid & 0xff).toString(16).padStart(2, '0')}:${nic.toString(16).padStart(2, '0')}`;
function render(root) {
  rmSync(root, { recursive: true, force: true });
  const put = (rel, text) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };
  put(
    'firewall/cluster.fw',
    `[OPTIONS]\nenable: 1\npolicy_in: ${tree.policyIn}\n\n[IPSET shared]\n${tree.shared.join('\n')}\n\n` +
      `[group web]\n${tree.web.join('\n')}\n\n[RULES]\nIN ACCEPT -source +shared -p tcp -dport 8006\n`,
  );
  put('nodes/pve1/host.fw', '[OPTIONS]\nenable: 1\n');
  for (const g of tree.guests.values()) {
    const nics = g.nics.map((n) =>
      g.lxc
        ? `net${n}: name=eth${n},bridge=vmbr0,hwaddr=${mac(g.vmid, n)},ip=dhcp,type=veth,firewall=1`
        : `net${n}: virtio=${mac(g.vmid, n)},bridge=vmbr0,firewall=1`,
    );
    put(`nodes/pve1/${g.lxc ? 'lxc' : 'qemu-server'}/${g.vmid}.conf`, `${nics.join('\n')}\n`);
    const opts = [`enable: 1`, `policy_in: ${g.policyIn}`, ...(g.ipfilter ? ['ipfilter: 1'] : [])];
    const ipsets = [`[IPSET trusted]\n${g.trusted.join('\n')}\n`];
    if (g.ipfilter) ipsets.push(`[IPSET ipfilter-net0]\n10.0.${g.vmid & 0xff}.1\n`);
    const rules = [
      ...(g.group ? ['GROUP web'] : []),
      'IN ACCEPT -source +trusted -p tcp -dport 5000',
    ];
    const body = [...rules, ...g.rules].join('\n');
    put(
      `firewall/${g.vmid}.fw`,
      `[OPTIONS]\n${opts.join('\n')}\n\n${ipsets.join('\n')}\n[RULES]\n${body}\n`,
    );
  }
}

const guestOf = () => pick([...tree.guests.values()]);
/** Each edit returns its name; a no-op edit (nothing to remove) still counts as a step. */
const EDITS = {
  'add-guest': () => `add-guest ${newGuest().vmid}`,
  'remove-guest': () => {
    if (tree.guests.size <= 2) return 'remove-guest none';
    const g = guestOf();
    tree.guests.delete(g.vmid);
    return `remove-guest ${g.vmid}`;
  },
  'add-nic': () => {
    const g = guestOf();
    if (g.nics.length >= 3) return `add-nic ${g.vmid} none`;
    g.nics.push(g.nics.length);
    return `add-nic ${g.vmid}`;
  },
  'remove-nic': () => {
    const g = guestOf();
    if (g.nics.length <= 1) return `remove-nic ${g.vmid} none`;
    g.nics.pop();
    return `remove-nic ${g.vmid}`;
  },
  'add-rule': () => {
    const g = guestOf();
    g.rules.push(
      pick([
        `IN ACCEPT -p tcp -dport ${int(2000, 2100)}`,
        `IN DROP -p udp -dport ${int(3000, 3005)}`,
        `OUT REJECT -p tcp -dport ${int(25, 26)}`,
        `IN ACCEPT -source 203.0.113.${int(1, 9)} -p icmp`,
      ]),
    );
    return `add-rule ${g.vmid}`;
  },
  'remove-rule': () => {
    const g = guestOf();
    g.rules.splice(int(0, g.rules.length - 1), 1);
    return `remove-rule ${g.vmid}`;
  },
  'ipset-entry': () => {
    const g = guestOf();
    if (rand() < 0.5 && g.trusted.length > 1) g.trusted.shift();
    else g.trusted.push(`192.0.2.${int(100, 199)}`);
    return `ipset-entry ${g.vmid}`;
  },
  'cluster-ipset-entry': () => {
    tree.shared.push(`198.51.100.${int(32, 200)}`);
    return 'cluster-ipset-entry';
  },
  'group-change': () => {
    tree.web.push(`IN ACCEPT -p tcp -dport ${int(8100, 8200)}`);
    return 'group-change';
  },
  'guest-group': () => {
    const g = guestOf();
    g.group = !g.group;
    return `guest-group ${g.vmid}`;
  },
  'guest-option': () => {
    const g = guestOf();
    if (rand() < 0.5) g.policyIn = g.policyIn === 'DROP' ? 'ACCEPT' : 'DROP';
    else g.ipfilter = !g.ipfilter;
    return `guest-option ${g.vmid}`;
  },
  'cluster-option': () => {
    tree.policyIn = tree.policyIn === 'DROP' ? 'ACCEPT' : 'DROP';
    return 'cluster-option';
  },
};
/** The step that must be small: one rule of one guest changes its port. */
function oneGuestPort() {
  const g = tree.guests.values().next().value;
  g.rules[1] = `IN ACCEPT -p tcp -dport ${int(1011, 1020)}`;
  return `one-guest-port ${g.vmid}`;
}

const sh = (cmd, args, env = {}) =>
  spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
for (const ns of Object.values(NS)) {
  sh('ip', ['netns', 'del', ns]);
  execFileSync('ip', ['netns', 'add', ns]);
  writeFileSync(path.join(work, `nft-${ns}`), `#!/bin/sh\nexec ip netns exec ${ns} nft "$@"\n`);
  chmodSync(path.join(work, `nft-${ns}`), 0o755);
}
const root = path.join(work, 'pve');
const args = ['--root', root, '--node', 'pve1', '--localnet', '192.0.2.0/24'];
function apply(ns, stateDir) {
  const r = sh('node', [cli, 'apply', ...args], {
    FWGEN_NFT: path.join(work, `nft-${ns}`),
    FWGEN_STATE_DIR: stateDir,
  });
  let last = {};
  try {
    last = JSON.parse(readFileSync(path.join(stateDir, 'state.json'), 'utf8')).lastLoad ?? {};
  } catch {
    // no state: the run failed before writing one
  }
  return { rc: r.status, out: `${r.stdout}${r.stderr}`, last };
}
function listing(ns) {
  let out = '';
  for (const t of ['inet fwgen', 'bridge fwgen']) {
    const r = sh('ip', ['netns', 'exec', ns, 'nft', 'list', 'table', ...t.split(' ')]);
    out += r.status === 0 ? r.stdout : `(no table ${t})\n`;
  }
  return out;
}

try {
  const names = Object.keys(EDITS);
  for (let step = 0; step <= steps; step++) {
    const edit =
      step === 0
        ? 'initial'
        : step === Math.ceil(steps / 2)
          ? oneGuestPort()
          : EDITS[pick(names)]();
    render(root);
    const inc = apply(NS.inc, path.join(work, 'state-inc'));
    // A fresh namespace and state: what a full load of the same tree gives.
    sh('ip', ['netns', 'del', NS.full]);
    execFileSync('ip', ['netns', 'add', NS.full]);
    const full = apply(NS.full, path.join(work, `state-full-${step}`));
    writeFileSync(path.join(work, `step-${step}.inc`), listing(NS.inc));
    writeFileSync(path.join(work, `step-${step}.full`), listing(NS.full));
    if (inc.rc !== 0 || full.rc !== 0) console.log(`step ${step} output:\n${inc.out}\n${full.out}`);
    console.log(
      `RESULT step ${step} ${edit.replace(/ /g, ':')} rc=${inc.rc},${full.rc} mode=${inc.last.mode} ` +
        `commands=${inc.last.commands} bytes=${inc.last.bytes} fullbytes=${full.last.bytes}`,
    );
    if (inc.out.includes('incremental update refused')) console.log(`step ${step}: ${inc.out}`);
  }
  console.log('RESULT done ok');
} finally {
  for (const ns of Object.values(NS)) sh('ip', ['netns', 'del', ns]);
}
