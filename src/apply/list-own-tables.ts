// listOwnTables: fwgen's own tables as the kernel holds them (`nft list table`), normalised so a
// digest only changes when the rules do. Reads only fwgen's tables: foreign ones are never listed.
import { createHash } from 'node:crypto';
import { nftError, runNft, type NftOptions } from './run-nft.js';

/** Must match generate/names.ts DEFAULT_TABLE_NAME and the families generate-ruleset emits. */
export const OWN_TABLES = ['inet fwgen', 'bridge fwgen'] as const;

export class NftListError extends Error {
  override readonly name = 'NftListError';
}

/** The listing of fwgen's tables present in the kernel, normalised; '' when there are none. */
export async function listOwnTables(opts: NftOptions): Promise<string> {
  // `nft list table` of an absent table fails, and several `list` in one `nft -f` fail together
  // (observed with nft 1.0.6), so ask which exist first, then list each one.
  const tables = await runNft(['list', 'tables'], undefined, opts);
  if (!tables.ok) throw new NftListError(`nft list tables failed: ${nftError(tables)}`);
  const present = new Set(tables.stdout.split('\n').map((l) => l.trim().replace(/^table /, '')));
  let out = '';
  for (const t of OWN_TABLES) {
    if (!present.has(t)) continue;
    const r = await runNft(['list', 'table', ...t.split(' ')], undefined, opts);
    if (!r.ok) throw new NftListError(`nft list table ${t} failed: ${nftError(r)}`);
    out += `${r.stdout.trimEnd()}\n`;
  }
  return normaliseListing(out);
}

/**
 * Strip what changes without a ruleset change: handles, counter values, set element timeouts.
 * Tables are sorted by their `table <family> <name>` line so `list ruleset` output (in a scratch
 * namespace) and per-table listings compare equal.
 */
export function normaliseListing(text: string): string {
  // Guarded replaces and a regex split: a 1,000-guest listing is ~12 MB and this runs every tick.
  let clean = text;
  if (clean.includes('# handle')) clean = clean.replace(/ # handle \d+/g, '');
  if (clean.includes('packets '))
    clean = clean.replace(/packets \d+ bytes \d+/g, 'packets 0 bytes 0');
  if (clean.includes(' expires ')) clean = clean.replace(/ expires [0-9dhms.]+/g, '');
  // A dynamic set's elements are the datapath's (the SYN-flood meter adds one per source): they
  // change with traffic, not with the ruleset, and a digest over them would call every tick drift.
  if (clean.includes('dynamic')) clean = clean.replace(DYNAMIC_SET_ELEMENTS, '$1');
  // Split at lines starting `table ` (indexOf, not a regex split: 12 MB on every timer tick).
  const starts: number[] = [];
  if (clean.startsWith('table ')) starts.push(0);
  for (let i = clean.indexOf('\ntable '); i >= 0; i = clean.indexOf('\ntable ', i + 1))
    starts.push(i + 1);
  const blocks = starts
    .map((at, k) => clean.slice(at, starts[k + 1] ?? clean.length))
    .map((b) => b.slice(0, b.lastIndexOf('\n}') + 3).trimEnd()); // nothing outside a table block
  return blocks
    .sort((a, b) => headOf(a).localeCompare(headOf(b)))
    .map((b) => `${b}\n`)
    .join('');
}

/** The `elements = { … }` of a set block whose `flags` line says `dynamic` (lines of one block
 * are indented by two tabs; the block's `}` by one, so the match cannot leave the block). */
const DYNAMIC_SET_ELEMENTS =
  /(\n\t\tflags [^\n]*\bdynamic\b[^\n]*\n(?:\t\t(?!elements = )[^\n]*\n)*)\t\telements = \{[^}]*\}\n/g;

const headOf = (block: string): string => block.slice(0, block.indexOf('\n'));

export function digestText(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
