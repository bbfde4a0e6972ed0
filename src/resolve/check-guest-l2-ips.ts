// Values of the guest options `layer2_protocols` and `ips_queues` (pve-firewall parse_vmfw_option,
// generate_tap_layer2filter, generate_nfqueue; docs/decisions.md "layer2_protocols", "IPS").
import type { Diagnostics } from '../diag/diagnostic.js';
import { spanOf } from '../diag/span.js';
import type * as ast from '../syntax/ast.js';
import { ethertypeNumber } from '../data/ethertypes.js';

/** NFQUEUE numbers are 16 bits. */
const MAX_QUEUE = 65535;

/** `N` or `N:M` → the queue range, or undefined when not a valid range. */
export function parseIpsQueues(text: string): { from: number; to: number } | undefined {
  const m = /^(\d+)(?::(\d+))?$/.exec(text);
  if (!m) return undefined;
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from > MAX_QUEUE || to > MAX_QUEUE || from > to) return undefined;
  return { from, to };
}

/** `ips_queues`: the text when valid (an error otherwise: a bad range would make the whole ruleset
 * fail to load, as it makes pve-firewall's iptables-restore fail). */
export function checkIpsQueues(value: ast.Located<string>, diags: Diagnostics): string | undefined {
  if (parseIpsQueues(value.value)) return value.value;
  diags.error(
    'invalid-option-value',
    value.span,
    `invalid value '${value.value}' for option 'ips_queues', ` +
      `expected a queue number N or a range N:M (0 <= N <= M <= ${MAX_QUEUE})`,
  );
  return undefined;
}

/**
 * `layer2_protocols`: a comma list of /etc/ethertypes names or hexadecimal numbers. Every unknown
 * entry is reported at its own column; one bad entry rejects the option (the guest then keeps
 * the default, all ethertypes, as pve-firewall does when its check fails). A trailing comma is
 * allowed (pve-firewall's split drops it).
 */
export function checkEthertypeList(
  value: ast.Located<string>,
  diags: Diagnostics,
): string[] | undefined {
  const text = value.value;
  if (text === '') {
    diags.error(
      'invalid-option-value',
      value.span,
      `option 'layer2_protocols' needs a value: a comma list of ethertype names or numbers`,
    );
    return undefined;
  }
  const items = text.split(',');
  if (items.length > 1 && items[items.length - 1] === '') items.pop();
  const out: string[] = [];
  let ok = true;
  let at = 0;
  for (const raw of items) {
    const entry = raw.trim();
    const start = value.span.start.offset + at + (raw.length - raw.trimStart().length);
    at += raw.length + 1;
    if (ethertypeNumber(entry) !== undefined) {
      out.push(entry);
      continue;
    }
    ok = false;
    const span = spanOf(value.span.file, start, start + Math.max(entry.length, 1));
    diags.error(
      'unknown-ethertype',
      span,
      entry === ''
        ? `empty entry in 'layer2_protocols'`
        : `unknown ethertype '${entry}' in 'layer2_protocols', expected a name from ` +
            '/etc/ethertypes (e.g. ARP, 802_1Q, LLDP) or a hexadecimal number 0600 to FFFF',
    );
  }
  return ok ? out : undefined;
}
