// parseGuestConf: `qemu-server/<vmid>.conf` / `lxc/<vmid>.conf` text → the NICs (`netN:` lines).
// Reads the current config only (up to the first `[…]` section); never throws on user input.
import type { Diagnostics } from '../diag/diagnostic.js';
import type { Pos, SourceFile, Span } from '../diag/span.js';
import type * as ast from './ast.js';

/** pve-firewall takes every `net\d+`; PVE itself allows net0..net31 (MAX_NETS, MAX_LXC_NETWORKS). */
const MAX_NIC_INDEX = 31;

/** qemu-server's NIC models (PVE::QemuServer::Network $nic_model_list); any `key=MAC` also counts. */
const QEMU_MODELS = new Set([
  'e1000',
  'e1000-82540em',
  'e1000-82544gc',
  'e1000-82545em',
  'e1000e',
  'i82551',
  'i82557b',
  'i82559er',
  'ne2k_isa',
  'ne2k_pci',
  'pcnet',
  'rtl8139',
  'virtio',
  'vmxnet3',
]);

const MAC_SHAPE = /^[0-9a-f]{2}(?::[0-9a-f]{2}){5}$/i;
/** PVE's pve-mac-addr: a unicast address (the group bit of the first octet clear). */
const UNICAST_MAC = /^[0-9a-f][02468ace](?::[0-9a-f]{2}){5}$/i;

/** PVE's boolean property values (JSONSchema `boolean`: 1|0|on|off|yes|no|true|false). */
const BOOLEANS: Record<string, boolean> = {
  '1': true,
  on: true,
  yes: true,
  true: true,
  '0': false,
  off: false,
  no: false,
  false: false,
};

/** A `key=value` item of a net line with the spans of its parts. */
interface Item {
  span: Span;
  key: Located | null;
  value: Located;
}
type Located = ast.Located<string>;

export function parseGuestConf(
  file: SourceFile,
  type: 'qemu' | 'lxc',
  diags: Diagnostics,
): ast.GuestConf {
  const nics: ast.NicConf[] = [];
  const seen = new Map<number, ast.NicConf>();
  for (const line of lines(file)) {
    // `[snapshot]`, `[PENDING]`, `[special:cloudinit]`: not the running config (VC reads up to here too).
    if (/^\s*\[/.test(line.text)) break;
    const m = /^(\s*)(net(\d+))\s*:(\s*)(.*?)\s*$/.exec(line.text);
    if (!m) continue; // comments (`#description`), other keys: not ours
    const [, lead = '', key = '', digits = '', gap = '', body = ''] = m;
    const keySpan = at(line, lead.length, lead.length + key.length);
    const index = Number(digits);
    if (index > MAX_NIC_INDEX || digits.length > 2) {
      diags.error(
        'invalid-nic',
        keySpan,
        `NIC index ${digits} is out of range, expected net0 to net${MAX_NIC_INDEX}`,
      );
      continue;
    }
    const bodyStart =
      lead.length +
      key.length +
      line.text.slice(lead.length + key.length).indexOf(':') +
      1 +
      gap.length;
    const lineSpan = at(line, lead.length, bodyStart + body.length);
    if (body === '') {
      diags.error('invalid-nic', lineSpan, `empty ${key} line`);
      continue;
    }
    const nic: ast.NicConf = {
      kind: 'nic',
      span: lineSpan,
      index: { value: index, span: keySpan },
      model: null,
      mac: null,
      bridge: null,
      firewall: false,
      tag: null,
      ip: null,
      ip6: null,
    };
    readItems(items(line, bodyStart, body), type, nic, diags);
    const previous = seen.get(index);
    if (previous) {
      // pve-firewall keeps the last (a hash assignment); proxmox-firewall refuses the file.
      diags.error('duplicate-nic', keySpan, `duplicate NIC '${key}'`, [
        { message: `'${key}' is first defined here`, span: previous.index.span },
      ]);
      nics.splice(nics.indexOf(previous), 1);
    }
    seen.set(index, nic);
    nics.push(nic);
  }
  nics.sort((a, b) => a.index.value - b.index.value);
  return { kind: 'guest-conf', file, nics };
}

function readItems(list: Item[], type: 'qemu' | 'lxc', nic: ast.NicConf, diags: Diagnostics): void {
  const keys = new Set<string>();
  list.forEach((item, i) => {
    if (item.key === null) {
      // qemu's default key is the model: `net0: virtio,bridge=vmbr0` (MAC generated at start).
      if (type === 'qemu' && i === 0 && QEMU_MODELS.has(item.value.value)) {
        nic.model = item.value.value;
        keys.add('model');
        return;
      }
      const what =
        item.value.value === '' ? 'empty item' : `'${item.value.value}' is not a key=value item`;
      diags.error('invalid-nic', item.span, what);
      return;
    }
    const key = item.key.value;
    const slot = type === 'qemu' && isModelKey(key, item.value.value) ? 'model' : key;
    if (keys.has(slot)) {
      diags.error(
        'invalid-nic',
        item.span,
        slot === 'model' ? `a second NIC model '${key}'` : `duplicate key '${key}'`,
      );
      return;
    }
    keys.add(slot);
    if (type === 'qemu' && key === 'model') {
      // the long form: `model=virtio,macaddr=…`
      nic.model = item.value.value;
      return;
    }
    if (slot === 'model') {
      nic.model = key;
      nic.mac = checkMac(item.value, diags);
      return;
    }
    readItem(key, item, type, nic, diags);
  });
}

function isModelKey(key: string, value: string): boolean {
  return key === 'model' || QEMU_MODELS.has(key) || (key !== 'macaddr' && MAC_SHAPE.test(value));
}

function readItem(
  key: string,
  item: Item,
  type: 'qemu' | 'lxc',
  nic: ast.NicConf,
  diags: Diagnostics,
): void {
  const { value } = item;
  switch (key) {
    case 'macaddr':
      if (type === 'qemu') setMac(nic, item, diags);
      return;
    case 'hwaddr':
      if (type === 'lxc') setMac(nic, item, diags);
      return;
    case 'bridge':
      if (value.value === '') diags.error('invalid-nic', item.span, `empty bridge name`);
      else nic.bridge = value;
      return;
    case 'firewall': {
      const on = BOOLEANS[value.value.toLowerCase()];
      if (on === undefined)
        diags.error(
          'invalid-nic',
          value.span,
          `invalid firewall flag '${value.value}', expected 0 or 1`,
        );
      else nic.firewall = on;
      return;
    }
    case 'tag': {
      const n = /^\d{1,4}$/.test(value.value) ? Number(value.value) : NaN;
      if (!(n >= 1 && n <= 4094))
        diags.error(
          'invalid-nic',
          value.span,
          `invalid VLAN tag '${value.value}', expected 1 to 4094`,
        );
      else nic.tag = { value: n, span: value.span };
      return;
    }
    case 'ip':
    case 'ip6':
      if (type === 'lxc') nic[key] = value;
      return;
    case 'type':
      if (type === 'lxc' && value.value !== 'veth') {
        diags.error(
          'invalid-nic',
          value.span,
          `unknown container NIC type '${value.value}', expected veth`,
        );
      }
      return;
    default:
      return; // name, gw, rate, mtu, queues, trunks, link_down…: nothing the firewall needs
  }
}

function setMac(nic: ast.NicConf, item: Item, diags: Diagnostics): void {
  if (nic.mac !== null) {
    diags.error('invalid-nic', item.span, `a second MAC address '${item.value.value}'`);
    return;
  }
  nic.mac = checkMac(item.value, diags);
}

function checkMac(value: Located, diags: Diagnostics): Located | null {
  if (!MAC_SHAPE.test(value.value)) {
    diags.error(
      'invalid-mac',
      value.span,
      `invalid MAC address '${value.value}', expected six hex pairs such as BC:24:11:00:00:01`,
    );
    return null;
  }
  if (!UNICAST_MAC.test(value.value)) {
    diags.error(
      'invalid-mac',
      value.span,
      `'${value.value}' is a multicast MAC address, a NIC needs a unicast one`,
    );
    return null;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------

interface Line {
  file: SourceFile;
  text: string;
  /** offset of the line's first character */
  offset: number;
  number: number;
}

function lines(file: SourceFile): Line[] {
  const out: Line[] = [];
  let offset = 0;
  file.text.split('\n').forEach((raw, i) => {
    out.push({ file, text: raw.replace(/\r$/, ''), offset, number: i + 1 });
    offset += raw.length + 1;
  });
  return out;
}

function at(line: Line, from: number, to: number): Span {
  const pos = (col: number): Pos => ({
    offset: line.offset + col,
    line: line.number,
    column: col + 1,
  });
  return { file: line.file, start: pos(from), end: pos(to) };
}

/** Split `k=v,k=v` (starting at column `start`) into items with spans; values keep their case. */
function items(line: Line, start: number, body: string): Item[] {
  const out: Item[] = [];
  let col = start;
  for (const part of body.split(',')) {
    const eq = part.indexOf('=');
    const span = at(line, col, col + part.length);
    if (eq < 0) {
      out.push({ span, key: null, value: { value: part.trim(), span } });
    } else {
      const key = { value: part.slice(0, eq).trim(), span: at(line, col, col + eq) };
      const value = {
        value: part.slice(eq + 1).trim(),
        span: at(line, col + eq + 1, col + part.length),
      };
      out.push({ span, key, value });
    }
    col += part.length + 1;
  }
  return out;
}
