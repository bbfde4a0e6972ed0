// What `fwgen doctor` reports: one finding per problem, in plain words, with where it is (table,
// chain, rule) and what to do. `block` means fwgen's decisions will not take effect (exit 1).

export type FindingSeverity = 'block' | 'warn' | 'info';

export interface FindingPlace {
  family: string;
  table: string;
  chain?: string;
  /** `type filter hook forward priority 0; policy drop` */
  hook?: string;
  /** nft handle of the deciding rule (`nft -a list chain …` shows it); absent: the policy */
  handle?: number;
  /** the rule as nft would print it, best effort */
  rule?: string;
}

export interface Finding {
  severity: FindingSeverity;
  /** stable kebab id, used by tests and --json */
  code: string;
  where: FindingPlace | null;
  message: string;
  fix: string | null;
}

const ORDER: Record<FindingSeverity, number> = { block: 0, warn: 1, info: 2 };

export function compareFindings(a: Finding, b: Finding): number {
  return (
    ORDER[a.severity] - ORDER[b.severity] ||
    a.code.localeCompare(b.code) ||
    placeText(a.where).localeCompare(placeText(b.where))
  );
}

export function placeText(p: FindingPlace | null): string {
  if (p === null) return '';
  let s = `table ${p.family} ${p.table}`;
  if (p.chain !== undefined) s += `, chain ${p.chain}`;
  if (p.hook !== undefined) s += ` (${p.hook})`;
  if (p.handle !== undefined) s += `, rule handle ${p.handle}${p.rule ? `: ${p.rule}` : ''}`;
  else if (p.chain !== undefined && p.hook !== undefined) s += ', its policy';
  return s;
}
