// Test helper: small ir.Config objects built by hand (defaults = pve-firewall defaults).
import type { Span } from '../../src/diag/span.js';
import type * as ir from '../../src/resolve/ir.js';

export function span(path = '/etc/pve/firewall/cluster.fw', line = 1): Span {
  const file = { path, text: '' };
  return { file, start: { offset: 0, line, column: 1 }, end: { offset: 0, line, column: 2 } };
}

export function cidr(text: string): ir.Cidr {
  const [addr = '', len] = text.split('/');
  const family: ir.IpFamily = addr.includes(':') ? 6 : 4;
  return { family, addr, len: len === undefined ? (family === 4 ? 32 : 128) : Number(len) };
}

export function ipset(key: string, entries: string[], over: Partial<ir.IpSet> = {}): ir.IpSet {
  const cidrs = entries.map(cidr);
  const [scope, name = key] = key.split('/');
  return {
    key,
    scope: scope === 'dc' ? 'dc' : 'guest',
    vmid: null,
    name,
    comment: null,
    v4: cidrs.filter((c) => c.family === 4),
    v6: cidrs.filter((c) => c.family === 6),
    origin: null,
    ...over,
  };
}

export function addresses(...items: string[]): ir.AddressMatch {
  const cidrs = items.map(cidr);
  return {
    kind: 'addresses',
    family: cidrs[0]?.family ?? 4,
    items: cidrs.map((c) => ({ kind: 'cidr', ...c })),
  };
}

export const tcp: ir.Proto = { kind: 'named', name: 'tcp', number: 6 };
export const udp: ir.Proto = { kind: 'named', name: 'udp', number: 17 };

export function rule(over: Partial<ir.Rule> = {}): ir.Rule {
  return {
    direction: 'in',
    verdict: 'accept',
    iface: null,
    nic: null,
    family: null,
    proto: null,
    dport: null,
    sport: null,
    source: null,
    dest: null,
    log: null,
    origin: span('/etc/pve/firewall/100.fw', 7),
    comment: null,
    macro: null,
    group: null,
    ...over,
  };
}

export function ports(...p: (number | [number, number])[]): ir.PortRange[] {
  return p.map((x) => (Array.isArray(x) ? { from: x[0], to: x[1] } : { from: x, to: x }));
}

export function hostOptions(over: Partial<ir.HostOptions> = {}): ir.HostOptions {
  return {
    enable: true,
    logLevelIn: null,
    logLevelOut: null,
    logLevelForward: null,
    smurfLogLevel: null,
    tcpFlagsLogLevel: null,
    nosmurfs: true,
    tcpflags: false,
    ndp: true,
    nfConntrackAllowInvalid: false,
    protectionSynflood: false,
    protectionSynfloodRate: 200,
    protectionSynfloodBurst: 1000,
    nfConntrackTcpTimeoutSynRecv: 60,
    nfConntrackHelpers: [],
    nfConntrackMax: 262144,
    nfConntrackTcpTimeoutEstablished: 432000,
    logNfConntrack: false,
    ...over,
  };
}

export function guestOptions(over: Partial<ir.GuestOptions> = {}): ir.GuestOptions {
  return {
    enable: true,
    policyIn: 'DROP',
    policyOut: 'ACCEPT',
    logLevelIn: null,
    logLevelOut: null,
    macfilter: true,
    dhcp: true,
    ndp: true,
    radv: false,
    ipfilter: false,
    ips: null,
    layer2Protocols: null,
    ...over,
  };
}

export function nic(vmid: number, index: number, over: Partial<ir.Nic> = {}): ir.Nic {
  const hex = (n: number): string => n.toString(16).padStart(2, '0');
  return {
    index,
    device: `tap${vmid}i${index}`,
    mac: `bc:24:11:00:${hex(vmid % 256)}:${hex(index)}`,
    bridge: 'vmbr0',
    firewall: true,
    vlan: null,
    ip: null,
    ip6: null,
    ipfilter: null,
    origin: null,
    ...over,
  } as ir.Nic;
}

export function guest(vmid: number, over: Partial<ir.Guest> = {}): ir.Guest {
  return {
    vmid,
    type: 'qemu',
    options: guestOptions(),
    nics: [nic(vmid, 0)],
    rules: [],
    origin: null,
    ...over,
  };
}

export function config(over: Partial<ir.Config> = {}): ir.Config {
  return {
    enabled: true,
    ebtables: true,
    policyIn: 'DROP',
    policyOut: 'ACCEPT',
    policyForward: 'ACCEPT',
    logRatelimit: { enabled: true, rate: 1, per: 'second', burst: 5 },
    host: { options: hostOptions(), rules: [] },
    management: ipset('dc/management', ['192.0.2.0/24']),
    localNetwork: [cidr('192.0.2.0/24')],
    blacklist: null,
    corosync: { multicast: false, links: [] },
    guests: [],
    vnets: [],
    ...over,
  };
}
