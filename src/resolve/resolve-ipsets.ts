// [IPSET x] sections → ir.IpSet with nomatch entries applied the pve-firewall way (ipset hash:net:
// the most specific matching entry decides), computed exactly with cidr-tools: entries are applied
// from the widest to the narrowest prefix, a match entry adding and a nomatch entry removing.
import { excludeCidr, mergeCidr } from 'cidr-tools';
import type { Diagnostics } from '../diag/diagnostic.js';
import type { Span } from '../diag/span.js';
import type * as ast from '../syntax/ast.js';
import { checkCidr, parseCidrText } from './check-address.js';
import type { Cidr, IpFamily, IpSet } from './ir.js';
import type { Scope } from './scope.js';

export interface SetEntry {
  cidr: Cidr;
  nomatch: boolean;
}

/** Every set resolved once, reported once, shared by all rules that use it. */
export class IpSetTable {
  private readonly done = new Map<ast.IpsetSection, IpSet>();
  private readonly checked = new Map<ast.IpsetSection, SetEntry[]>();
  constructor(private readonly diags: Diagnostics) {}

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

export function buildIpSet(p: Omit<IpSet, 'v4' | 'v6'> & { entries: SetEntry[] }): IpSet {
  const { entries, ...rest } = p;
  return { ...rest, v4: effective(entries, 4), v6: effective(entries, 6) };
}

/** The addresses that match: for each address, the longest entry containing it decides. */
export function effective(entries: readonly SetEntry[], family: IpFamily): Cidr[] {
  const mine = entries
    .filter((e) => e.cidr.family === family)
    .sort((a, b) => a.cidr.len - b.cidr.len);
  // Entries of one prefix length never overlap (duplicates are refused), so their order does not
  // matter: one merge and one exclude per length, widest first.
  let result: string[] = [];
  for (let i = 0; i < mine.length;) {
    const len = mine[i]!.cidr.len;
    const add: string[] = [];
    const remove: string[] = [];
    for (; i < mine.length && mine[i]!.cidr.len === len; i++)
      (mine[i]!.nomatch ? remove : add).push(`${mine[i]!.cidr.addr}/${len}`);
    if (add.length > 0) result = mergeCidr([...result, ...add]);
    if (remove.length > 0) result = excludeCidr(result, remove);
  }
  return result.map((t) => parseCidrText(t)!).filter(Boolean);
}
