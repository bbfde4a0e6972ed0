// runNft: the one way fwgen calls nft: execa, never a shell, the script on stdin. The binary comes
// from the `nft` option, then $FWGEN_NFT, then PATH, so tests can put a recording or failing fake first.
import { execa } from 'execa';

export interface NftOptions {
  /** Path of the nft binary (default: $FWGEN_NFT, else `nft` from PATH). */
  nft?: string;
  env?: Record<string, string | undefined>;
}

export interface NftResult {
  ok: boolean;
  stdout: string;
  stderr: string;
}

export function nftBinary(opts: NftOptions): string {
  return opts.nft ?? opts.env?.FWGEN_NFT ?? 'nft';
}

export async function runNft(
  args: readonly string[],
  input: string | undefined,
  opts: NftOptions,
): Promise<NftResult> {
  const r = await execa(nftBinary(opts), args, {
    input: input ?? '',
    reject: false,
    stripFinalNewline: false,
    env: nftEnv(opts),
    extendEnv: false,
  });
  const stderr =
    r.failed && r.exitCode === undefined
      ? `cannot run ${nftBinary(opts)}: ${r.shortMessage}`
      : r.stderr;
  return { ok: !r.failed, stdout: r.stdout, stderr };
}

/** The caller's environment (tests pass their own), with LC_ALL=C: nft's messages and listing
 * must not change with the admin's locale. */
export function nftEnv(opts: NftOptions): Record<string, string | undefined> {
  return { ...(opts.env ?? process.env), LC_ALL: 'C' };
}

/** The first `Error:` line of nft's stderr (nft repeats the offending line and carets after it). */
export function nftError(r: NftResult): string {
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  return (lines.find((l) => /Error:/.test(l)) ?? lines[0] ?? 'nft failed without a message').trim();
}
