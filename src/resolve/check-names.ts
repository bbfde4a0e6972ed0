// Name rules for aliases, ipsets and groups (pve-firewall: [A-Za-z][A-Za-z0-9_-]+, so at least
// two characters; groups at most 18 so that PVE's chain names fit; aliases and ipsets 64).
import type { Diagnostics } from '../diag/diagnostic.js';
import type { Located } from '../syntax/ast.js';

const NAME = /^[A-Za-z][A-Za-z0-9_-]+$/;
const MAX: Record<NameKind, number> = { alias: 64, ipset: 64, group: 18 };

export type NameKind = 'alias' | 'ipset' | 'group';

export function checkName(kind: NameKind, name: Located<string>, diags: Diagnostics): boolean {
  const n = name.value;
  if (!NAME.test(n)) {
    diags.error(
      `invalid-${kind}-name`,
      name.span,
      `invalid ${kind} name '${n}': use a letter, then letters, digits, '-' or '_' (at least 2 characters)`,
    );
    return false;
  }
  if (n.length > MAX[kind]) {
    diags.error(
      `invalid-${kind}-name`,
      name.span,
      `${kind} name '${n}' is longer than ${MAX[kind]} characters`,
    );
    return false;
  }
  return true;
}
