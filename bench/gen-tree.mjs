#!/usr/bin/env node
// Deterministic synthetic /etc/pve tree for the benchmarks (seeded PRNG: same arguments, same
// bytes). Not a test; it only writes files.
//
//   node bench/gen-tree.mjs OUTDIR [--guests N] [--rules R] [--ipset-entries E] [--seed S] [--node pve1]
//        [--no-guest-ipsets]   (guest rules use a cluster ipset where they would use +guest/trusted)
//
// Writes (OUTDIR is emptied first):
//   corosync.conf                      three nodes, ring0 on 192.0.2.0/24
//   firewall/cluster.fw                options, 40 aliases, ipset `big` with E entries (CIDRs,
//                                      single addresses and `!nomatch` entries, about 3% IPv6),
//                                      small ipsets (management, blacklist, webclients), 4 groups,
//                                      host rules (so the big set is used by the inet and the
//                                      bridge table)
//   nodes/pve1/host.fw                 host options and rules
//   nodes/pve1/{qemu-server,lxc}/V.conf  N guests, vmid 100.., every third an LXC container,
//                                      1–3 NICs on vmbr0/vmbr1/vmbr2, firewall=1 on ~95% of NICs
//   firewall/V.fw                      per guest: options (policy, some with ipfilter + its
//                                      ipfilter-net0 ipset, some log levels), 2 aliases, a guest
//                                      ipset, R rules mixing macros, aliases (local and dc/),
//                                      ipsets (+dc/big, +guest/…), GROUP references, port lists,
//                                      ICMP types and -log levels
// Guest 100 is always a VM with net0 on vmbr0 (firewall=1, MAC bc:24:11:00:01:90, no ipfilter):
// the datapath bench sends its iperf3 traffic to it.
//
// pve-firewall's ipset syntax takes CIDRs and single addresses (optionally `!` for nomatch) and
// alias names, but no address ranges (a-b is an error in an [IPSET] section), so the big ipset
// has none: ranges only appear in rules (`-source a-b`), and the rules here use a few.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

function parseArgs(argv) {
  const o = {
    out: null,
    guests: 100,
    rules: 20,
    ipsetEntries: 10_000,
    seed: 1,
    node: 'pve1',
    guestIpsets: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === '--guests') o.guests = Number(next());
    else if (a === '--rules') o.rules = Number(next());
    else if (a === '--ipset-entries') o.ipsetEntries = Number(next());
    else if (a === '--seed') o.seed = Number(next());
    else if (a === '--node') o.node = next();
    else if (a === '--no-guest-ipsets') o.guestIpsets = false;
    else if (a.startsWith('-')) throw new Error(`unknown option ${a}`);
    else o.out = a;
  }
  if (!o.out)
    throw new Error(
      'usage: gen-tree.mjs OUTDIR [--guests N] [--rules R] [--ipset-entries E] [--seed S]',
    );
  for (const k of ['guests', 'rules', 'ipsetEntries'])
    if (!Number.isInteger(o[k]) || o[k] < 0) throw new Error(`bad --${k}`);
  return o;
}

/** mulberry32: small, fast, deterministic. */
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)), // inclusive
    pick: (list) => list[Math.floor(next() * list.length)],
    chance: (p) => next() < p,
  };
}

const hex2 = (n) => n.toString(16).padStart(2, '0');

/** The guest's MAC for NIC `nic`: bc:24:11 + 24 bits of (vmid, nic). Unique for vmid < 2^22. */
function macOf(vmid, nic) {
  const v = ((vmid & 0x3fffff) << 2) | (nic & 3);
  return `bc:24:11:${hex2((v >> 16) & 0xff)}:${hex2((v >> 8) & 0xff)}:${hex2(v & 0xff)}`;
}

function clusterFw(o, rnd) {
  const out = [
    '# synthetic datacenter firewall (bench/gen-tree.mjs)',
    '[OPTIONS]',
    'enable: 1',
    'policy_in: DROP',
    'policy_out: ACCEPT',
    'log_ratelimit: enable=1,rate=5/second,burst=20',
    '',
    '[ALIASES]',
  ];
  for (let i = 0; i < 40; i++) {
    out.push(
      i % 8 === 7
        ? `dcnet${i} 2001:db8:${(i + 0x100).toString(16)}::/48 # v6 net ${i}`
        : `dcnet${i} 198.18.${i}.0/24 # net ${i}`,
    );
  }
  out.push('dchost 203.0.113.7', 'local_network 192.0.2.0/24', '');

  out.push('[IPSET big] # bench: many entries');
  // Entries inside 10.0.0.0/8 and 172.16.0.0/12, spread so that most stay disjoint; ~10% nomatch
  // entries carve holes out of earlier CIDRs, ~3% IPv6.
  const seen = new Set();
  const push = (entry) => {
    const key = entry.replace(/^!/, '').replace(/ .*/, '');
    if (seen.has(key)) return false; // a duplicate entry is an error
    seen.add(key);
    out.push(entry);
    return true;
  };
  for (let i = 0; i < o.ipsetEntries;) {
    const r = rnd.next();
    const a = rnd.int(0, 255),
      b = rnd.int(0, 255),
      c = rnd.int(1, 254);
    let entry;
    if (r < 0.03)
      entry = rnd.chance(0.5)
        ? `2001:db8:${hex2(a)}${hex2(b)}::${(i + 1).toString(16)}`
        : `2001:db8:${hex2(a)}${hex2(b)}:${c.toString(16)}::/64`;
    else if (r < 0.13) entry = `!10.${a}.${b}.${c} # nomatch ${i}`;
    else if (r < 0.45) entry = `10.${a}.${b}.${c}`;
    else if (r < 0.8) {
      const len = rnd.int(24, 29);
      entry = `10.${a}.${b}.${c & (256 - 2 ** (32 - len))}/${len}`;
    } else {
      const len = rnd.int(22, 28);
      const v = ((b << 8) | c) & (0x10000 - 2 ** (32 - len));
      entry = `172.${16 + (a & 15)}.${v >> 8}.${v & 255}/${len}`;
    }
    if (push(entry)) i++;
  }
  out.push('');
  out.push(
    '[IPSET management] # admins',
    '192.0.2.0/25',
    '!192.0.2.64/26',
    'dc/dchost',
    '2001:db8:1::/64',
    '',
  );
  out.push('[IPSET blacklist] # known bad sources', '198.18.0.0/15', '100.64.0.0/10', '');
  out.push(
    '[IPSET webclients]',
    '0.0.0.0/1',
    '128.0.0.0/1',
    '!10.0.0.0/8',
    '!172.16.0.0/12',
    '!192.168.0.0/16',
    '2000::/3',
    '',
  );

  out.push(
    '[RULES]',
    'IN SSH(ACCEPT) -source +management -log info # admins',
    'IN ACCEPT -source +dc/big -p tcp -dport 8006,3128 # GUI from the big set',
    'IN ACCEPT -source dc/dcnet3 -p tcp -dport 9100:9110 -log nolog',
    'IN Ping(ACCEPT) -i vmbr0',
    'GROUP monitoring -i vmbr0',
    'IN DROP -source +blacklist -log warning',
    'OUT ACCEPT -dest dcnet4 -p tcp -dport 8007',
    '',
  );

  out.push(
    '[group webservers] # web front ends',
    'IN HTTP(ACCEPT)',
    'IN HTTPS(ACCEPT) -log info',
    'IN ACCEPT -p tcp -dport 80,443,8080:8090 -source +dc/webclients',
    'OUT DNS(ACCEPT)',
    '',
  );
  out.push(
    '[group monitoring] # scrape targets',
    'IN ACCEPT -source dcnet1 -p tcp -dport 9100:9110',
    'IN ACCEPT -source dc/dcnet2 -p udp -dport snmp',
    'IN ACCEPT -p icmp -icmp-type echo-request -source dcnet5',
    '',
  );
  out.push(
    '[group admin-ssh]',
    'IN SSH(ACCEPT) -source dc/dchost',
    'IN ACCEPT -p tcp -dport ssh -source +dc/management',
    'IN REJECT -p tcp -dport 22',
    '',
  );
  out.push(
    '[group bigset] # uses the big ipset',
    'IN ACCEPT -source +dc/big -p tcp -dport 5432,6432',
    'IN DROP -source +dc/blacklist -log notice',
    'OUT ACCEPT -dest +dc/big -p udp -dport 514',
    '',
  );
  return `${out.join('\n')}\n`;
}

function hostFw() {
  return `${[
    '[OPTIONS]',
    'enable: 1',
    'log_level_in: info',
    'tcpflags: 1',
    'nosmurfs: 1',
    'ndp: 1',
    '',
    '[RULES]',
    'IN ACCEPT -i vmbr0 -p tcp -dport 3260 -source 198.51.100.40 # iSCSI',
    'IN ACCEPT -p tcp -dport 111,2049 -source 198.51.100.0/24 # NFS',
    'OUT ACCEPT -p udp -dport 123 # NTP',
    'IN Ceph(ACCEPT) -source 192.0.2.0/25',
    'IN REJECT -p tcp -dport 25',
    'GROUP admin-ssh',
    'GROUP bigset',
  ].join('\n')}\n`;
}

function corosync(node) {
  const nodes = [node, 'pve2', 'pve3'].filter((n, i, a) => a.indexOf(n) === i);
  const items = nodes.map(
    (n, i) =>
      `  node {\n    name: ${n}\n    nodeid: ${i + 1}\n    quorum_votes: 1\n` +
      `    ring0_addr: 192.0.2.${11 + i}\n  }`,
  );
  return [
    'logging {\n  debug: off\n  to_syslog: yes\n}\n',
    `nodelist {\n${items.join('\n')}\n}\n`,
    'quorum {\n  provider: corosync_votequorum\n}\n',
    'totem {\n  cluster_name: bench\n  config_version: 3\n  interface {\n    linknumber: 0\n  }\n' +
      '  ip_version: ipv4-6\n  secauth: on\n  version: 2\n}\n',
  ].join('\n');
}

const BRIDGES = ['vmbr0', 'vmbr1', 'vmbr2'];
const MACROS = [
  'SSH',
  'HTTP',
  'HTTPS',
  'DNS',
  'SMTP',
  'PostgreSQL',
  'MySQL',
  'NTP',
  'Ping',
  'RDP',
  'SNMP',
  'Web',
  'IMAPS',
  'LDAP',
  'Syslog',
];
const LEVELS = ['nolog', 'info', 'notice', 'warning', 'debug', 'err'];
const ICMP4 = ['echo-request', 'destination-unreachable', 'time-exceeded', 'echo-reply'];
const ICMP6 = ['echo-request', 'packet-too-big', 'destination-unreachable'];
const GROUPS = ['webservers', 'monitoring', 'admin-ssh', 'bigset'];

/** One rule line of a guest with `nics` NICs. */
function guestRule(rnd, vmid, nics, k) {
  const dir = rnd.chance(0.7) ? 'IN' : 'OUT';
  const peer = dir === 'IN' ? '-source' : '-dest';
  const action = rnd.pick(['ACCEPT', 'ACCEPT', 'ACCEPT', 'DROP', 'REJECT']);
  const iface = rnd.chance(0.25) ? ` -i net${rnd.int(0, nics - 1)}` : '';
  const log = rnd.chance(0.2) ? ` -log ${rnd.pick(LEVELS)}` : '';
  const comment = rnd.chance(0.3) ? ` # rule ${k} of ${vmid}` : '';
  const addr = () =>
    rnd.pick([
      `${peer} dc/dcnet${rnd.int(0, 39)}`,
      `${peer} localhost${rnd.int(0, 1)}`,
      `${peer} +dc/big`,
      o.guestIpsets ? `${peer} +guest/trusted` : `${peer} +dc/webclients`,
      `${peer} +dc/management`,
      `${peer} 198.51.100.${rnd.int(1, 250)}`,
      `${peer} 203.0.113.${rnd.int(0, 15) * 16}/28`,
      `${peer} 192.0.2.${rnd.int(1, 100)}-192.0.2.${rnd.int(101, 200)}`,
      `${peer} 192.0.2.${rnd.int(1, 250)},198.51.100.${rnd.int(1, 250)}`,
      '',
    ]);
  const kind = rnd.int(0, 9);
  switch (kind) {
    case 0:
    case 1:
      return `${dir} ${rnd.pick(MACROS)}(${action})${iface} ${addr()}${log}${comment}`
        .replace(/ +/g, ' ')
        .trimEnd();
    case 2:
      if (rnd.chance(0.5)) return `GROUP ${rnd.pick(GROUPS)}${iface}`;
      return `${dir} ${action} -p tcp -dport ${rnd.int(1000, 9000)}${iface} ${addr()}${log}${comment}`
        .replace(/ +/g, ' ')
        .trimEnd();
    case 3:
      return (
        `${dir} ${action} -p tcp ` +
        `-dport ${rnd.int(20, 99)},${rnd.int(100, 999)},${rnd.int(1000, 4000)}:${rnd.int(4001, 9000)}` +
        `${iface} ${addr()}${log}${comment}`
      )
        .replace(/ +/g, ' ')
        .trimEnd();
    case 4:
      return (
        `${dir} ${action} -p udp ` +
        `-sport ${rnd.int(1, 1023)} -dport ${rnd.int(1024, 2000)}:${rnd.int(2001, 65535)}` +
        `${iface} ${addr()}${log}`
      )
        .replace(/ +/g, ' ')
        .trimEnd();
    case 5:
      return `${dir} ${action} -p icmp -icmp-type ${rnd.pick(ICMP4)}${iface}${log}${comment}`;
    case 6:
      return `${dir} ${action} -p ipv6-icmp -icmp-type ${rnd.pick(ICMP6)}${iface}${log}`;
    case 7:
      return `${dir} ${action} -p tcp -dport ssh,http,https${iface} ${addr()}${log}${comment}`
        .replace(/ +/g, ' ')
        .trimEnd();
    case 8:
      return `${dir} ${action} -p tcp -dport ${rnd.int(1, 65535)}${iface} ${addr()}${log}`
        .replace(/ +/g, ' ')
        .trimEnd();
    default:
      return `${dir} ${action}${iface} ${addr()}${log}${comment}`.replace(/ +/g, ' ').trimEnd();
  }
}

function guestFiles(rnd, vmid, o) {
  const isBenchGuest = vmid === 100;
  const type = isBenchGuest ? 'qemu' : vmid % 3 === 2 ? 'lxc' : 'qemu';
  const nics = isBenchGuest ? 1 : rnd.int(1, 3);
  const ipfilter = !isBenchGuest && rnd.chance(0.3);
  const conf = [];
  if (type === 'qemu') {
    conf.push(
      'boot: order=scsi0;net0',
      `cores: ${rnd.int(1, 8)}`,
      `memory: ${rnd.pick([1024, 2048, 4096, 8192])}`,
      `name: vm${vmid}`,
    );
  } else {
    conf.push('arch: amd64', `hostname: ct${vmid}`, `memory: ${rnd.pick([256, 512, 1024])}`);
  }
  const v4 = (nic) => `10.${(vmid >> 8) & 255}.${vmid & 255}.${10 + nic}`;
  for (let n = 0; n < nics; n++) {
    const bridge = isBenchGuest || n === 0 ? 'vmbr0' : rnd.pick(BRIDGES);
    const fw = isBenchGuest || rnd.chance(0.95) ? 1 : 0;
    const tag = rnd.chance(0.2) ? `,tag=${rnd.int(2, 4094)}` : '';
    if (type === 'qemu')
      conf.push(
        `net${n}: ${rnd.pick(['virtio', 'e1000', 'vmxnet3'])}=${macOf(vmid, n).toUpperCase()},` +
          `bridge=${bridge},firewall=${fw}${tag}`,
      );
    else
      conf.push(
        `net${n}: name=eth${n},bridge=${bridge},firewall=${fw},hwaddr=${macOf(vmid, n).toUpperCase()},` +
          `ip=${v4(n)}/16,gw=10.${(vmid >> 8) & 255}.0.1` +
          (n === 0 ? `,ip6=2001:db8:${vmid.toString(16)}::${n + 1}/64` : '') +
          `${tag},type=veth`,
      );
  }
  if (type === 'qemu') conf.push('ostype: l26', `scsi0: local-lvm:vm-${vmid}-disk-0,size=32G`);
  else conf.push('ostype: debian', `rootfs: local-lvm:vm-${vmid}-disk-0,size=8G`);

  const fw = [
    '[OPTIONS]',
    'enable: 1',
    `policy_in: ${isBenchGuest ? 'DROP' : rnd.pick(['DROP', 'DROP', 'REJECT', 'ACCEPT'])}`,
  ];
  if (!isBenchGuest && rnd.chance(0.2)) fw.push('policy_out: REJECT');
  if (rnd.chance(0.3)) fw.push(`log_level_in: ${rnd.pick(LEVELS)}`);
  if (ipfilter) fw.push('ipfilter: 1');
  if (rnd.chance(0.5)) fw.push('dhcp: 1');
  // localhost0 ends in 5 mod 16, the nomatch entry in 1 mod 16: never the same entry twice.
  fw.push(
    '',
    '[ALIASES]',
    `localhost0 192.0.2.${rnd.int(0, 15) * 16 + 5}`,
    `localhost1 2001:db8::${vmid.toString(16)}`,
    '',
  );
  fw.push(
    '[IPSET trusted] # guest-local set',
    `192.0.2.${rnd.int(0, 15) * 16}/28`,
    `!192.0.2.${rnd.int(0, 15) * 16 + 1}`,
    'guest/localhost0',
    `198.51.100.${rnd.int(1, 250)}`,
    '',
  );
  if (ipfilter) fw.push('[IPSET ipfilter-net0]', v4(0), `2001:db8:${vmid.toString(16)}::1`, '');
  fw.push('[RULES]');
  for (let k = 0; k < o.rules; k++) fw.push(guestRule(rnd, vmid, nics, k));
  return { type, conf: `${conf.join('\n')}\n`, fw: `${fw.join('\n')}\n` };
}

const o = parseArgs(process.argv.slice(2));
const rnd = prng(o.seed);
rmSync(o.out, { recursive: true, force: true });
const nodeDir = path.join(o.out, 'nodes', o.node);
for (const d of [
  'firewall',
  path.join('nodes', o.node, 'qemu-server'),
  path.join('nodes', o.node, 'lxc'),
  'nodes/pve2/qemu-server',
  'nodes/pve3/qemu-server',
]) {
  mkdirSync(path.join(o.out, d), { recursive: true });
}
writeFileSync(path.join(o.out, 'corosync.conf'), corosync(o.node));
writeFileSync(path.join(o.out, 'firewall', 'cluster.fw'), clusterFw(o, rnd));
writeFileSync(path.join(nodeDir, 'host.fw'), hostFw());
let lines = 0;
for (let i = 0; i < o.guests; i++) {
  const vmid = 100 + i;
  const g = guestFiles(rnd, vmid, o);
  writeFileSync(
    path.join(nodeDir, g.type === 'qemu' ? 'qemu-server' : 'lxc', `${vmid}.conf`),
    g.conf,
  );
  writeFileSync(path.join(o.out, 'firewall', `${vmid}.fw`), g.fw);
  lines += g.fw.split('\n').length - 1;
}
process.stderr.write(
  `gen-tree: ${o.out}: ${o.guests} guests, ${o.rules} rules each, ` +
    `${o.ipsetEntries} ipset entries, ${lines} guest .fw lines\n`,
);
