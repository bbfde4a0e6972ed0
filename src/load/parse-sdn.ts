// loadSdn / parseSdn: `sdn/.running-config` (zones, VNets, subnets with gateway and DHCP ranges)
// and the PVE IPAM state (`sdn/pve-ipam-state.json`, else the legacy `priv/ipam.db`) → the typed
// SDN inventory the `+sdn/…` sets come from. Absent files are no SDN; a malformed file or entry
// is a located error and only that part is left out (proxmox-firewall fails its whole update).
// Formats: docs/reference.md §pve-sdn-ipsets.
import { isIPv4, isIPv6 } from 'node:net';
import path from 'node:path';
import { normalizeCidr } from 'cidr-tools';
import { Diagnostics, type Diagnostic } from '../diag/diagnostic.js';
import type { SourceFile, Span } from '../diag/span.js';
import type { Cidr, IpFamily } from '../resolve/ir.js';
import type { SdnInventory, SdnIpamEntry, SdnRange, SdnSubnet, SdnVnet } from '../resolve/input.js';
import type { FileReader } from './file-reader.js';
import { readOptional } from './load-tree.js';
import { parseJson, type JsonMember, type JsonValue } from './parse-json.js';

export interface SdnSource {
  /** The files read (for the compile key); empty when the tree has no SDN. */
  files: SourceFile[];
  inventory: SdnInventory;
  /** The parse's diagnostics, reported by compile as if it had parsed the files itself. */
  diagnostics: Diagnostic[];
}

export const SDN_RUNNING_CONFIG = 'sdn/.running-config';
export const SDN_IPAM = 'sdn/pve-ipam-state.json';
/** Read only when SDN_IPAM is absent, as proxmox-firewall and pve-firewall do. */
export const SDN_IPAM_LEGACY = 'priv/ipam.db';

export async function loadSdn(root: string, reader: FileReader): Promise<SdnSource> {
  const config = await readOptional(path.join(root, SDN_RUNNING_CONFIG), reader);
  const ipam =
    (await readOptional(path.join(root, SDN_IPAM), reader)) ??
    (await readOptional(path.join(root, SDN_IPAM_LEGACY), reader));
  const diags = new Diagnostics();
  const inventory = parseSdn(config, ipam, diags);
  return {
    files: [config, ipam].filter((f): f is SourceFile => f !== null),
    inventory,
    diagnostics: diags.sorted(),
  };
}

/** No SDN at all (no tree, or the libvirt inventory): every `+sdn/…` name is unknown. */
export function emptySdn(): SdnInventory {
  return { configPath: null, ipamPath: null, invalid: [], vnets: new Map(), ipam: [] };
}

export function parseSdn(
  config: SourceFile | null,
  ipam: SourceFile | null,
  diags: Diagnostics,
): SdnInventory {
  const inv: SdnInventory = {
    configPath: config?.path ?? null,
    ipamPath: ipam?.path ?? null,
    invalid: [],
    vnets: new Map(),
    ipam: [],
  };
  if (config) {
    const root = parseFile(config, inv, diags);
    if (root) readRunningConfig(root, inv, diags);
  }
  if (ipam) {
    const root = parseFile(ipam, inv, diags);
    if (root) readIpam(root, inv, diags);
  }
  return inv;
}

function parseFile(file: SourceFile, inv: SdnInventory, diags: Diagnostics): JsonValue | null {
  // pmxcfs writes an empty file for a config that was never set up: no SDN, not an error.
  if (file.text.trim() === '') return null;
  const r = parseJson(file);
  if (!r.ok) {
    diags.error('invalid-sdn-config', r.span, `invalid JSON: ${r.message}`);
    inv.invalid.push(file.path);
    return null;
  }
  return r.value;
}

type Obj = Extract<JsonValue, { kind: 'object' }>;

/** The object's members by key; a repeated key is an error (JSON leaves it undefined). */
function members(o: Obj, diags: Diagnostics): Map<string, JsonMember> {
  const out = new Map<string, JsonMember>();
  for (const m of o.members) {
    const first = out.get(m.key);
    if (first) {
      diags.error('invalid-sdn-config', m.keySpan, `key '${m.key}' is repeated`, [
        { message: 'first given here', span: first.keySpan },
      ]);
      continue;
    }
    out.set(m.key, m);
  }
  return out;
}

function expectObject(v: JsonValue | undefined, what: string, diags: Diagnostics): Obj | null {
  if (v === undefined || v.kind === 'null') return null;
  if (v.kind !== 'object') {
    diags.error('invalid-sdn-config', v.span, `${what} must be a JSON object`);
    return null;
  }
  return v;
}

function expectString(v: JsonValue | undefined, what: string, diags: Diagnostics, at: Span) {
  if (v === undefined) {
    diags.error('invalid-sdn-config', at, `${what} is missing`);
    return null;
  }
  if (v.kind !== 'string') {
    diags.error('invalid-sdn-config', v.span, `${what} must be a string`);
    return null;
  }
  return v.value;
}

/** `section.ids` of the running config: `{ "<id>": { … } }` members, each an object. */
function ids(root: Map<string, JsonMember>, section: string, diags: Diagnostics) {
  const s = expectObject(root.get(section)?.value, `'${section}'`, diags);
  if (!s) return [];
  const idsObj = expectObject(members(s, diags).get('ids')?.value, `'${section}.ids'`, diags);
  if (!idsObj) return [];
  const out: { id: string; span: Span; fields: Map<string, JsonMember> }[] = [];
  for (const m of members(idsObj, diags).values()) {
    const o = expectObject(m.value, `${section} entry '${m.key}'`, diags);
    if (o) out.push({ id: m.key, span: m.keySpan, fields: members(o, diags) });
  }
  return out;
}

// proxmox-ve-rs sdn/mod.rs validate_sdn_name: zone and VNet names.
const SDN_NAME = /^[A-Za-z][A-Za-z0-9]{0,7}$/;
const MAX_LEN: Record<IpFamily, number> = { 4: 32, 6: 128 };

function familyOf(addr: string): IpFamily | null {
  return isIPv4(addr) ? 4 : isIPv6(addr) ? 6 : null;
}

/** `addr` normalised (IPv6 compressed, lower case) as a single-address CIDR. */
function single(addr: string): Cidr | null {
  const family = familyOf(addr);
  if (family === null) return null;
  const [net] = normalizeCidr(`${addr}/${MAX_LEN[family]}`, { compress: true }).split('/');
  return { family, addr: net ?? addr, len: MAX_LEN[family] };
}

function cidrOf(addr: string, len: number): Cidr | null {
  const family = familyOf(addr);
  if (family === null || !Number.isInteger(len) || len < 0 || len > MAX_LEN[family]) return null;
  const [net] = normalizeCidr(`${addr}/${len}`, { compress: true }).split('/');
  return { family, addr: net ?? addr, len };
}

function readRunningConfig(v: JsonValue, inv: SdnInventory, diags: Diagnostics): void {
  const top = expectObject(v, 'the SDN running config', diags);
  if (!top) return;
  const root = members(top, diags);

  const zones = new Set<string>();
  for (const z of ids(root, 'zones', diags)) {
    if (!SDN_NAME.test(z.id)) {
      diags.error('invalid-sdn-config', z.span, `invalid zone name '${z.id}'`);
      continue;
    }
    zones.add(z.id);
  }

  for (const n of ids(root, 'vnets', diags)) {
    if (!SDN_NAME.test(n.id)) {
      diags.error(
        'invalid-sdn-config',
        n.span,
        `invalid VNet name '${n.id}': a letter, then up to 7 letters or digits`,
      );
      continue;
    }
    const zone = expectString(n.fields.get('zone')?.value, `zone of VNet '${n.id}'`, diags, n.span);
    if (zone === null) continue;
    if (!zones.has(zone)) {
      const at = n.fields.get('zone')!.value.span;
      diags.error(
        'invalid-sdn-config',
        at,
        `VNet '${n.id}' is in zone '${zone}', which does not exist`,
      );
      continue;
    }
    inv.vnets.set(n.id, { name: n.id, zone, span: n.span, subnets: [] });
  }

  for (const s of ids(root, 'subnets', diags)) {
    const subnet = readSubnet(s, inv.vnets, diags);
    if (subnet) subnet.vnet.subnets.push(subnet.subnet);
  }
}

// `<zone>-<address>-<prefix length>`, e.g. `zone1-10.0.0.0-24`, `zone1-fd00:10::-64`.
const SUBNET_ID = /^([A-Za-z][A-Za-z0-9]*)-(.+)-(\d{1,3})$/;

function readSubnet(
  s: { id: string; span: Span; fields: Map<string, JsonMember> },
  vnets: Map<string, SdnVnet>,
  diags: Diagnostics,
): { vnet: SdnVnet; subnet: SdnSubnet } | null {
  const m = SUBNET_ID.exec(s.id);
  const cidr = m ? cidrOf(m[2]!, Number(m[3])) : null;
  if (!m || !cidr) {
    diags.error(
      'invalid-sdn-config',
      s.span,
      `invalid subnet id '${s.id}', expected <zone>-<address>-<prefix length>`,
    );
    return null;
  }
  const vnetName = expectString(
    s.fields.get('vnet')?.value,
    `VNet of subnet '${s.id}'`,
    diags,
    s.span,
  );
  if (vnetName === null) return null;
  const vnet = vnets.get(vnetName);
  if (!vnet) {
    diags.error(
      'invalid-sdn-config',
      s.fields.get('vnet')!.value.span,
      `subnet '${s.id}' is in VNet '${vnetName}', which does not exist`,
    );
    return null;
  }
  if (m[1] !== vnet.zone) {
    diags.error(
      'invalid-sdn-config',
      s.span,
      `subnet '${s.id}' names zone '${m[1]}', but its VNet '${vnetName}' is in zone '${vnet.zone}'`,
    );
    return null;
  }
  const subnet: SdnSubnet = { id: s.id, cidr, gateway: null, dhcpRanges: [], span: s.span };

  const gw = s.fields.get('gateway')?.value;
  if (gw !== undefined && gw.kind !== 'null') {
    const text = expectString(gw, `gateway of subnet '${s.id}'`, diags, s.span);
    const addr = text === null ? null : single(text);
    if (text !== null && addr === null)
      diags.error('invalid-sdn-config', gw.span, `invalid gateway address '${text}'`);
    else if (addr && addr.family !== cidr.family)
      diags.error(
        'invalid-sdn-config',
        gw.span,
        `gateway '${text}' is not an IPv${cidr.family} address like its subnet`,
      );
    else if (addr) subnet.gateway = addr;
  }

  const ranges = s.fields.get('dhcp-range')?.value;
  if (ranges !== undefined && ranges.kind !== 'null') {
    // An array of property strings in the running config; a single one is accepted as well.
    const items = ranges.kind === 'array' ? ranges.items : [ranges];
    for (const item of items) {
      const r = readRange(item, cidr.family, diags);
      if (r) subnet.dhcpRanges.push(r);
    }
  }
  return { vnet, subnet };
}

/** `start-address=A,end-address=B` (or an object with those keys). */
function readRange(v: JsonValue, family: IpFamily, diags: Diagnostics): SdnRange | null {
  const parts = new Map<string, string>();
  if (v.kind === 'string') {
    for (const kv of v.value.split(',')) {
      const eq = kv.indexOf('=');
      if (eq > 0) parts.set(kv.slice(0, eq).trim(), kv.slice(eq + 1).trim());
    }
  } else if (v.kind === 'object') {
    for (const m of v.members) if (m.value.kind === 'string') parts.set(m.key, m.value.value);
  }
  const start = parts.get('start-address');
  const end = parts.get('end-address');
  if (start === undefined || end === undefined) {
    diags.error(
      'invalid-sdn-config',
      v.span,
      `invalid DHCP range, expected 'start-address=<ip>,end-address=<ip>'`,
    );
    return null;
  }
  const from = single(start);
  const to = single(end);
  if (!from || !to || from.family !== family || to.family !== family) {
    diags.error(
      'invalid-sdn-config',
      v.span,
      `invalid DHCP range '${start}-${end}': both ends must be IPv${family} addresses like the subnet`,
    );
    return null;
  }
  if (addressValue(from) > addressValue(to)) {
    diags.error('invalid-sdn-config', v.span, `DHCP range '${start}-${end}' runs backwards`);
    return null;
  }
  return { family, from: from.addr, to: to.addr };
}

/** IPAM state: `{"zones": {"<zone>": {"subnets": {"<cidr>": {"ips": {"<ip>": {…}}}}}}}`. */
function readIpam(v: JsonValue, inv: SdnInventory, diags: Diagnostics): void {
  const top = expectObject(v, 'the IPAM state', diags);
  if (!top) return;
  const zones = expectObject(members(top, diags).get('zones')?.value, `'zones'`, diags);
  if (!zones) return;
  for (const z of members(zones, diags).values()) {
    const zone = expectObject(z.value, `IPAM zone '${z.key}'`, diags);
    if (!zone) continue;
    const subnets = expectObject(members(zone, diags).get('subnets')?.value, `'subnets'`, diags);
    if (!subnets) continue;
    for (const sn of members(subnets, diags).values()) {
      const [addr = '', lenText = ''] = sn.key.split('/');
      const cidr = /^\d{1,3}$/.test(lenText) ? cidrOf(addr, Number(lenText)) : null;
      if (!cidr) {
        diags.error('invalid-sdn-config', sn.keySpan, `invalid IPAM subnet '${sn.key}'`);
        continue;
      }
      const subnet = expectObject(sn.value, `IPAM subnet '${sn.key}'`, diags);
      if (!subnet) continue;
      const ips = expectObject(members(subnet, diags).get('ips')?.value, `'ips'`, diags);
      if (!ips) continue;
      for (const ip of members(ips, diags).values()) {
        const e = readIpamIp(ip, cidr, diags);
        if (e) inv.ipam.push({ ...e, zone: z.key, subnet: sn.key });
      }
    }
  }
}

function readIpamIp(
  ip: JsonMember,
  subnet: Cidr,
  diags: Diagnostics,
): Omit<SdnIpamEntry, 'zone' | 'subnet'> | null {
  const data = expectObject(ip.value, `IPAM entry '${ip.key}'`, diags);
  if (!data) return null;
  const vmidValue = members(data, diags).get('vmid')?.value;
  // Gateway (`"gateway": 1`) and custom (`mac` only) entries belong to no guest.
  if (vmidValue === undefined) return null;
  const vmidText =
    vmidValue.kind === 'string' || vmidValue.kind === 'number' ? String(vmidValue.value) : '';
  if (!/^[1-9]\d{2,8}$/.test(vmidText)) {
    diags.error('invalid-sdn-config', vmidValue.span, `invalid vmid in IPAM entry '${ip.key}'`);
    return null;
  }
  const addr = single(ip.key);
  if (!addr) {
    diags.error('invalid-sdn-config', ip.keySpan, `invalid IPAM address '${ip.key}'`);
    return null;
  }
  if (!contains(subnet, addr)) {
    diags.error(
      'invalid-sdn-config',
      ip.keySpan,
      `IPAM address '${ip.key}' is outside its subnet '${subnet.addr}/${subnet.len}'`,
    );
    return null;
  }
  return { vmid: Number(vmidText), ip: addr, span: ip.keySpan };
}

function addressValue(c: Cidr): bigint {
  if (c.family === 4) return c.addr.split('.').reduce((n, p) => (n << 8n) | BigInt(p), 0n);
  const [head = '', tail] = c.addr.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function contains(net: Cidr, addr: Cidr): boolean {
  if (net.family !== addr.family) return false;
  const bits = BigInt(MAX_LEN[net.family] - net.len);
  return addressValue(net) >> bits === addressValue(addr) >> bits;
}
