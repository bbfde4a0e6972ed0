// applyRuleset: load a compiled script into the kernel, or do nothing when the kernel already
// holds it. Under the lock: digest the script and fwgen's listed tables, compare with the state
// file, then `nft -c -f -` and `nft -f -` (one transaction: all or nothing, foreign tables
// untouched; shared/nft-facts/README.md §5). Any failure leaves the kernel as it was and is recorded.
import { acquireLock } from './acquire-lock.js';
import { digestText, listOwnTables, NftListError } from './list-own-tables.js';
import { nftError, runNft, type NftOptions } from './run-nft.js';
import { readState, writeState, type ApplyState, type GuestSummary, type RunResult } from './state-store.js';

export interface ApplyInput {
  /** The compiled script; undefined when compiling withheld it (errors under --strict, load failure). */
  script: string | undefined;
  enabled: boolean | null;
  /** One line per diagnostic; errors without --strict are lines skipped, as pve-firewall does. */
  warnings: string[];
  errors: string[];
  guests: GuestSummary[];
}

export interface ApplyOptions extends NftOptions {
  stateDir: string;
  lockTimeoutMs?: number;
  /** One event per call, one line each (journald). */
  log: (line: string) => void;
  now?: () => number;
}

export type ApplyOutcome =
  | { kind: 'unchanged' | 'applied' | 'restored' | 'removed' }
  | { kind: 'refused'; message: string }
  | { kind: 'config-error' };

export async function applyRuleset(input: ApplyInput, opts: ApplyOptions): Promise<ApplyOutcome> {
  const now = opts.now ?? Date.now;
  const lock = await acquireLock(opts.stateDir, {
    timeoutMs: opts.lockTimeoutMs,
    onWait: (pid) => opts.log(`waiting for another fwgen run${pid === null ? '' : ` (pid ${pid})`} to finish`),
  });
  try {
    const started = now();
    const prev = await readState(opts.stateDir);
    const errors = [...input.errors];
    const record = (result: RunResult, digests?: Pick<ApplyState, 'configDigest' | 'kernelDigest'>): Promise<void> => {
      const time = new Date(now()).toISOString();
      const changed = result === 'applied' || result === 'restored' || result === 'removed';
      return writeState(opts.stateDir, {
        version: 1,
        lastRun: { time, result, durationMs: now() - started },
        lastChange: changed ? { time, result } : (prev?.lastChange ?? null),
        enabled: input.enabled,
        // On failure the digests still describe what the kernel holds from the last good apply.
        configDigest: digests ? digests.configDigest : (prev?.configDigest ?? null),
        kernelDigest: digests ? digests.kernelDigest : (prev?.kernelDigest ?? null),
        warnings: input.warnings,
        errors,
        guests: input.guests,
      });
    };

    if (input.script === undefined) {
      opts.log('not applied: configuration errors; the running ruleset is kept');
      await record('config-error');
      return { kind: 'config-error' };
    }
    const configDigest = digestText(input.script);
    let before: string;
    try {
      before = digestText(await listOwnTables(opts));
    } catch (e) {
      if (!(e instanceof NftListError)) throw e;
      return refuse(e.message);
    }
    if (prev?.configDigest === configDigest && prev.kernelDigest === before) {
      opts.log('no changes');
      await record('unchanged');
      return { kind: 'unchanged' };
    }
    // Same config as last time but different tables: someone (or something) changed them.
    const drift = prev?.configDigest === configDigest;
    opts.log(drift ? 'kernel tables differ from the last apply: restoring' : `applying changes (config ${configDigest.slice(0, 12)})`);

    const check = await runNft(['-c', '-f', '-'], input.script, opts);
    if (!check.ok) return refuse(`nft -c refused the ruleset: ${nftError(check)}`);
    const load = await runNft(['-f', '-'], input.script, opts);
    if (!load.ok) return refuse(`nft -f refused the ruleset: ${nftError(load)}`);

    let after: string;
    try {
      after = digestText(await listOwnTables(opts));
    } catch (e) {
      if (!(e instanceof NftListError)) throw e;
      // Loaded, but unverifiable: forget the digests so the next run loads again.
      opts.log(`applied, but ${e.message}`);
      await record('applied', { configDigest: null, kernelDigest: null });
      return { kind: 'applied' };
    }
    const result = input.enabled === false ? 'removed' : drift ? 'restored' : 'applied';
    await record(result, { configDigest, kernelDigest: after });
    opts.log(result === 'removed'
      ? `firewall disabled in cluster.fw: fwgen's tables removed (${now() - started} ms)`
      : `${result} (${now() - started} ms)`);
    return { kind: result };

    async function refuse(message: string): Promise<ApplyOutcome> {
      opts.log(`error: ${message}; the running ruleset is kept`);
      errors.push(`error: ${message}`);
      await record('refused');
      return { kind: 'refused', message };
    }
  } finally {
    await lock.release();
  }
}
