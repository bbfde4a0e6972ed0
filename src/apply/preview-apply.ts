// previewApply: what `fwgen apply` would change, for `diff` and `apply --dry-run`. Checks the
// script with `nft -c`, then loads it into a throw-away network namespace (`unshare --net`, same
// kernel, no tables in it) and lists it there, so both sides of the diff are nft's own listing
// format. Never changes the host's ruleset.
import { execa } from 'execa';
import { diffText } from './diff-text.js';
import { listOwnTables, normaliseListing } from './list-own-tables.js';
import { nftBinary, nftEnv, nftError, runNft, type NftOptions } from './run-nft.js';

export type Preview =
  { kind: 'refused'; message: string } | { kind: 'ok'; diff: string; note?: string };

export async function previewApply(script: string, opts: NftOptions): Promise<Preview> {
  const check = await runNft(['-c', '-f', '-'], script, opts);
  if (!check.ok)
    return { kind: 'refused', message: `nft -c refused the ruleset: ${nftError(check)}` };
  const current = await listOwnTables(opts);
  const names = { old: 'kernel (fwgen tables)', new: 'after apply' };
  const scratch = await execa(
    'unshare',
    ['--net', '--', 'sh', '-c', '"$0" -f - && "$0" list ruleset', nftBinary(opts)],
    {
      input: script,
      reject: false,
      stripFinalNewline: false,
      env: nftEnv(opts),
      extendEnv: false,
    },
  );
  if (scratch.failed) {
    // Without CAP_SYS_ADMIN there is no scratch namespace: compare with the script text, and say so.
    const why = String(scratch.stderr).trim().split('\n')[0] || scratch.shortMessage;
    return {
      kind: 'ok',
      diff: diffText(current, script, { old: names.old, new: 'compiled script' }),
      note: `cannot list the new ruleset in a scratch namespace (${why}); diff is against the script text`,
    };
  }
  return { kind: 'ok', diff: diffText(current, normaliseListing(String(scratch.stdout)), names) };
}
