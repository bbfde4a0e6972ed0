// Name lookup with pve-firewall's scoping: `dc/x` = cluster only, `guest/x` = this guest only,
// no prefix = guest first, then cluster. Host, cluster and group rules see only the cluster.
import type { Diagnostics } from '../diag/diagnostic.js';
import type * as ast from '../syntax/ast.js';
import type { AliasDef, Definitions } from './collect-definitions.js';
import type { Cidr, IpSet } from './ir.js';
import { looksLikeSdnSet, type SdnLookup } from './sdn-ipsets.js';

/** What a scope asks of the ipset table (resolve-ipsets.ts's IpSetTable), declared here so the
 * two modules, which call each other, do not import each other. */
interface IpSetLookup {
  get(section: ast.IpsetSection, scope: 'dc' | 'guest', vmid: number | null, lookup: Scope): IpSet;
  entries(section: ast.IpsetSection, lookup: Scope): { cidr: Cidr; nomatch: boolean }[];
  sdn(name: string): SdnLookup;
  /** false when checking files without a tree: then no SDN name can be judged. */
  readonly sdnKnown: boolean;
}

export class Scope {
  constructor(
    readonly cluster: Definitions | null,
    readonly guest: Definitions | null,
    readonly vmid: number | null,
    readonly ipsets: IpSetLookup,
    /** false when checking a file alone: then unscoped and dc/ names cannot be judged. */
    readonly clusterKnown: boolean,
  ) {}

  /** Cluster-only view, for security-group rules. */
  clusterOnly(): Scope {
    return new Scope(this.cluster, null, null, this.ipsets, this.clusterKnown);
  }

  private where(scope: 'dc' | 'guest' | 'sdn' | null): Definitions[] {
    if (scope === 'dc') return this.cluster ? [this.cluster] : [];
    if (scope === 'guest') return this.guest ? [this.guest] : [];
    if (scope === 'sdn') return [];
    return [this.guest, this.cluster].filter((d): d is Definitions => d !== null);
  }

  /** Whether a failed lookup in `scope` can be reported (false: the cluster file was not given). */
  canJudge(scope: 'dc' | 'guest' | 'sdn' | null): boolean {
    if (scope === 'sdn') return this.ipsets.sdnKnown;
    return scope === 'guest' || this.clusterKnown || this.cluster !== null;
  }

  alias(ref: ast.AliasRef, diags: Diagnostics): AliasDef | undefined {
    const name = ref.name.value.toLowerCase();
    for (const defs of this.where(ref.scope?.value ?? null)) {
      const a = defs.aliases.get(name);
      if (a) return a;
    }
    if (this.canJudge(ref.scope?.value ?? null)) {
      diags.error('unknown-alias', ref.span, `unknown alias '${refText(ref)}'`);
    }
    return undefined;
  }

  ipset(ref: ast.IpsetRef, diags: Diagnostics): IpSet | undefined {
    const name = ref.name.value.toLowerCase();
    const scope = ref.scope?.value ?? null;
    if ((scope === null || scope === 'guest') && this.guest?.ipsets.has(name)) {
      return this.ipsets.get(this.guest.ipsets.get(name)!, 'guest', this.vmid, this);
    }
    if ((scope === null || scope === 'dc') && this.cluster?.ipsets.has(name)) {
      return this.ipsets.get(this.cluster.ipsets.get(name)!, 'dc', null, this.clusterOnly());
    }
    // SDN sets: `+sdn/x`, and an unscoped name after guest and cluster (pve-firewall; see
    // docs/decisions.md). Usable in every scope: both tables get them.
    const sdn = scope === 'sdn' || scope === null ? this.ipsets.sdn(ref.name.value) : null;
    if (sdn?.kind === 'set') {
      if (sdn.empty !== null)
        diags.warning(
          'empty-sdn-ipset',
          ref.span,
          `SDN ipset '${sdn.set.key}' is empty (${sdn.empty}): the rule never matches`,
        );
      return sdn.set;
    }
    if (scope === 'sdn') {
      if (sdn?.kind === 'missing')
        diags.error('unknown-ipset', ref.span, `unknown ipset 'sdn/${ref.name.value}': ${sdn.why}`);
      return undefined;
    }
    // Unscoped, SDN unknown: a name SDN could define cannot be judged.
    const sdnUnknown = scope === null && !this.ipsets.sdnKnown && looksLikeSdnSet(ref.name.value);
    if (this.canJudge(scope) && !sdnUnknown)
      diags.error(
        'unknown-ipset',
        ref.span,
        `unknown ipset '${ref.scope ? `${ref.scope.value}/` : ''}${ref.name.value}'`,
      );
    return undefined;
  }

  group(name: ast.Located<string>): ast.GroupSection | undefined {
    return this.cluster?.groups.get(name.value.toLowerCase());
  }
}

function refText(ref: ast.AliasRef): string {
  return `${ref.scope ? `${ref.scope.value}/` : ''}${ref.name.value}`;
}
