// Security groups: each [group x] is resolved once against the cluster (pve-firewall: group rules
// never see guest aliases or ipsets); a `GROUP x [-i iface]` line copies its rules in place.
import type { Diagnostics } from '../diag/diagnostic.js';
import type * as ast from '../syntax/ast.js';
import type * as ir from './ir.js';
import { HOST_IFACE, resolveRule, type RuleSetting } from './resolve-rule.js';
import type { Scope } from './scope.js';

export class GroupTable {
  private readonly done = new Map<ast.GroupSection, ir.Rule[]>();
  constructor(
    private readonly scope: Scope,
    private readonly diags: Diagnostics,
    /** A disabled line of a group: checked like disabled lines elsewhere, as warnings. */
    private readonly disabled: (line: ast.RuleLine, setting: RuleSetting) => void,
  ) {}

  rules(section: ast.GroupSection): ir.Rule[] {
    const known = this.done.get(section);
    if (known) return known;
    const setting: RuleSetting = { context: 'group', scope: this.scope.clusterOnly(), nics: null };
    const out: ir.Rule[] = [];
    for (const line of section.body) {
      if (line.kind === 'group-ref') {
        this.diags.error(
          'nested-group',
          line.keyword.span,
          'a security group cannot use another group',
        );
        continue;
      }
      if (line.kind !== 'rule') continue;
      if (!line.enabled) {
        this.disabled(line, setting);
        continue;
      }
      for (const r of resolveRule(line, setting, this.diags))
        out.push({ ...r, group: section.name.value.toLowerCase() });
    }
    this.done.set(section, out);
    return out;
  }
}

/** `GROUP name [-i iface]` → the group's rules, with the line's interface (host) or NIC (guest);
 * the caller keeps the directions its context has (a VNet: FORWARD only). */
export function expandGroupRef(
  line: ast.GroupRefLine,
  setting: RuleSetting,
  groups: GroupTable,
  diags: Diagnostics,
): ir.Rule[] {
  if (line.keyword.value !== 'GROUP' && line.keyword.value.toLowerCase() === 'group') {
    // pve-firewall accepts any case; the Rust reference only `GROUP`. Fine, but say so.
    diags.warning(
      'group-keyword-case',
      line.keyword.span,
      `write '${line.keyword.value}' as 'GROUP' (proxmox-firewall only reads upper case)`,
    );
  }
  if (setting.context === 'group') {
    diags.error('nested-group', line.keyword.span, 'a security group cannot use another group');
    return [];
  }
  let iface: string | null = null;
  let nic: number | null = null;
  let ok = true;
  for (const opt of line.options) {
    if (opt.name !== 'iface') {
      diags.error(
        'group-option-not-allowed',
        opt.flag.span,
        `option '${opt.flag.value}' is not allowed on a GROUP line (only -i)`,
      );
      ok = false;
      continue;
    }
    const v = opt.value.value;
    if (setting.context === 'vnet') {
      // pve-firewall's vnet rule type has no -i, GROUP lines included
      diags.error('iface-not-allowed', opt.flag.span, '-i is not allowed in vnet rules');
      ok = false;
    } else if (setting.context === 'guest') {
      const m = /^net(\d+)$/.exec(v);
      if (!m || Number(m[1]) > 31) {
        diags.error(
          'invalid-iface',
          opt.value.span,
          `invalid guest interface '${v}', expected net0 … net31`,
        );
        ok = false;
      } else nic = Number(m[1]);
    } else if (!HOST_IFACE.test(v) || Buffer.byteLength(v) > 15) {
      diags.error('invalid-iface', opt.value.span, `invalid interface name '${v}'`);
      ok = false;
    } else iface = v;
  }
  const section = setting.scope.group(line.name);
  if (!section) {
    if (setting.scope.canJudge('dc'))
      diags.error('unknown-group', line.name.span, `unknown security group '${line.name.value}'`);
    return [];
  }
  if (!ok) return [];
  return groups
    .rules(section)
    .map((r) => ({ ...r, iface: iface ?? r.iface, nic: nic ?? r.nic, origin: r.origin }));
}
