// [IPSET x] sections → ir.IpSet with nomatch entries applied the pve-firewall way (set-entries.ts),
// each resolved once; `+sdn/…` sets come from the SDN inventory (sdn-ipsets.ts).
import type { Diagnostics } from '../diag/diagnostic.js';
import type { Span } from '../diag/span.js';
import type * as ast from '../syntax/ast.js';
import { checkCidr } from './check-address.js';
import type { Cidr, IpSet } from './ir.js';
import { buildIpSet, type SetEntry } from './set-entries.js';
import type { Scope } from './scope.js';
import type { SdnLookup } from './sdn-ipsets.js';

/** Every set resolved once, reported once, shared by all rules that use it. */
export class IpSetTable {
  private readonly done = new Map<ast.IpsetSection, IpSet>();
  private readonly checked = new Map<ast.IpsetSection, SetEntry[]>();
  private readonly sdnSets = new Map<string, SdnLookup>();
  constructor(
    private readonly diags: Diagnostics,
    /** The `+sdn/…` sets (sdn-ipsets.ts sdnIpSet over an inventory); null: SDN not known. */
    private readonly sdnSource: ((name: string) => SdnLookup) | null = null,
  ) {}

  get sdnKnown(): boolean {
    return this.sdnSource !== null;
  }

  /** An SDN set (`public-all`, `guest-ipam-100`), built once; 'unknown' without an inventory. */
  sdn(name: string): SdnLookup {
    if (this.sdnSource === null) return { kind: 'unknown' };
    let found = this.sdnSets.get(name);
    if (!found) {
      found = this.sdnSource(name);
      this.sdnSets.set(name, found);
    }
    return found;
  }

  /** The section's checked entries (diagnostics reported the first time only). */
  entries(section: ast.IpsetSection, lookup: Scope): SetEntry[] {
    let e = this.checked.get(section);
    if (!e) {
      e = checkEntries(section, lookup, this.diags);
      this.checked.set(section, e);
    }
    return e;
  }

  get(section: ast.IpsetSection, scope: 'dc' | 'guest', vmid: number | null, lookup: Scope): IpSet {
    const known = this.done.get(section);
    if (known) return known;
    const entries = this.entries(section, lookup);
    const name = section.name.value.toLowerCase();
    const set = buildIpSet({
      key: scope === 'dc' ? `dc/${name}` : `guest-${vmid}/${name}`,
      scope,
      vmid,
      name,
      comment: section.comment?.value ?? null,
      origin: section.name.span,
      entries,
    });
    this.done.set(section, set);
    return set;
  }
}

function checkEntries(section: ast.IpsetSection, lookup: Scope, diags: Diagnostics): SetEntry[] {
  const out: SetEntry[] = [];
  const seen = new Map<string, Span>();
  for (const line of section.body) {
    if (line.kind !== 'ipset-entry') continue;
    let cidr: Cidr | undefined;
    if (line.value.kind === 'alias-ref') cidr = lookup.alias(line.value, diags)?.cidr;
    else cidr = checkCidr(line.value, diags, 'ipset entry');
    if (!cidr) continue;
    if (cidr.len === 0) {
      diags.error(
        'zero-prefix',
        line.value.span,
        `an ipset entry cannot cover all addresses ('/0')`,
      );
      continue;
    }
    const key = `${cidr.addr}/${cidr.len}`;
    const first = seen.get(key);
    if (first) {
      diags.error('duplicate-ipset-entry', line.value.span, `duplicate ipset entry '${key}'`, [
        { message: 'first listed here', span: first },
      ]);
      continue;
    }
    seen.set(key, line.value.span);
    out.push({ cidr, nomatch: line.nomatch });
  }
  return out;
}

export { buildIpSet, effective, type SetEntry } from './set-entries.js';
