// Address text → checked, normalised CIDRs and ranges. pve-firewall's rules (Net::IP): a rule's
// CIDRs must not have host bits set (aliases and ipsets: masked, with a warning), ranges must not
// run backwards, a list holds one family.
import { isIPv4, isIPv6 } from 'node:net';
import { normalizeCidr, parseCidr } from 'cidr-tools';
import type { Diagnostics } from '../diag/diagnostic.js';
import type * as ast from '../syntax/ast.js';
import type { AddrItem, Cidr, IpFamily } from './ir.js';

const MAX_LEN: Record<IpFamily, number> = { 4: 32, 6: 128 };

function validAddress(text: string, family: IpFamily): boolean {
  return family === 4 ? isIPv4(text) : isIPv6(text);
}

// Normalising is pure and a large file repeats its addresses: results are kept (a bounded number).
const normalised = new Map<string, string>();

function normal(text: string): string {
  let n = normalised.get(text);
  if (n === undefined) {
    n = normalizeCidr(text, { compress: true });
    if (normalised.size >= 4096) normalised.clear();
    normalised.set(text, n);
  }
  return n;
}

function normalAddress(text: string): string {
  return normal(text);
}

function startOf(text: string): bigint {
  return parseCidr(text).start;
}

/** One address or CIDR item (alias values, ipset entries, rule list items). Host bits are an
 * error in rules (pve-firewall checks them with Net::IP there); in an alias or ipset entry
 * (`what`) pve-firewall passes them on and the kernel masks them: a warning, and the network. */
export function checkCidr(
  item: ast.AddressItem,
  diags: Diagnostics,
  what: 'address' | 'alias' | 'ipset entry' = 'address',
): Cidr | undefined {
  if (item.kind === 'address-range') {
    diags.error(
      'range-not-allowed',
      item.span,
      `an address range is not allowed in ${what === 'address' ? 'this place' : `an ${what}`}`,
    );
    return undefined;
  }
  if (!validAddress(item.address, item.family)) {
    diags.error(
      'invalid-address',
      item.span,
      `invalid IPv${item.family} address '${item.address}'`,
    );
    return undefined;
  }
  const max = MAX_LEN[item.family];
  const len = item.prefix?.value ?? max;
  if (len > max) {
    diags.error(
      'invalid-prefix',
      item.prefix!.span,
      `prefix length ${len} is out of range for IPv${item.family} (0..${max})`,
    );
    return undefined;
  }
  const cidr = `${item.address}/${len}`;
  const network = normal(cidr);
  const [netAddr] = network.split('/');
  const given = normalAddress(item.address);
  if (netAddr !== given && len !== max) {
    if (what === 'address') {
      diags.error(
        'cidr-host-bits',
        item.span,
        `'${item.address}/${len}' has host bits set, did you mean '${netAddr}/${len}'?`,
      );
      return undefined;
    }
    diags.warning(
      'host-bits-masked',
      item.span,
      `'${item.address}/${len}' has host bits set, using '${netAddr}/${len}' as pve-firewall does`,
    );
  }
  return { family: item.family, addr: netAddr ?? given, len };
}

/** A rule's address list: one family, no range inside a list (pve-firewall), checked items. */
export function checkAddressList(
  list: ast.AddressList,
  diags: Diagnostics,
): { family: IpFamily; items: AddrItem[] } | undefined {
  let ok = true;
  const items: AddrItem[] = [];
  const family = list.items[0]!.family;
  for (const item of list.items) {
    if (item.family !== family) {
      diags.error(
        'mixed-families',
        item.span,
        `address list mixes IPv4 and IPv6 ('${textOf(item)}')`,
      );
      ok = false;
      continue;
    }
    if (item.kind === 'address-range') {
      if (list.items.length > 1) {
        diags.error(
          'range-in-list',
          item.span,
          `an address range cannot be part of a list ('${item.from}-${item.to}')`,
        );
        ok = false;
        continue;
      }
      const r = checkRange(item, diags);
      if (r) items.push(r);
      else ok = false;
      continue;
    }
    const c = checkCidr(item, diags);
    if (c) items.push({ kind: 'cidr', ...c });
    else ok = false;
  }
  return ok ? { family, items } : undefined;
}

function checkRange(
  item: Extract<ast.AddressItem, { kind: 'address-range' }>,
  diags: Diagnostics,
): AddrItem | undefined {
  if (familyOf(item.to) !== item.family) {
    diags.error(
      'mixed-families',
      item.span,
      `address range mixes IPv4 and IPv6 ('${item.from}-${item.to}')`,
    );
    return undefined;
  }
  for (const a of [item.from, item.to]) {
    if (!validAddress(a, item.family)) {
      diags.error('invalid-address', item.span, `invalid IPv${item.family} address '${a}'`);
      return undefined;
    }
  }
  if (startOf(item.from) > startOf(item.to)) {
    diags.error(
      'backwards-address-range',
      item.span,
      `address range '${item.from}-${item.to}' runs backwards`,
    );
    return undefined;
  }
  return {
    kind: 'range',
    family: item.family,
    from: normalAddress(item.from),
    to: normalAddress(item.to),
  };
}

function familyOf(text: string): IpFamily {
  return text.includes(':') ? 6 : 4;
}

function textOf(item: ast.AddressItem): string {
  if (item.kind === 'address-range') return `${item.from}-${item.to}`;
  return item.prefix ? `${item.address}/${item.prefix.value}` : item.address;
}

/** A CIDR from trusted text (configured addresses, local network), or undefined if invalid. */
export function parseCidrText(text: string): Cidr | undefined {
  const [addr, lenText] = text.split('/');
  if (addr === undefined) return undefined;
  const family: IpFamily = addr.includes(':') ? 6 : 4;
  if (!validAddress(addr, family)) return undefined;
  const len = lenText === undefined ? MAX_LEN[family] : Number(lenText);
  if (!Number.isInteger(len) || len < 0 || len > MAX_LEN[family]) return undefined;
  const [net] = normal(`${addr}/${len}`).split('/');
  return { family, addr: net ?? addr, len };
}
