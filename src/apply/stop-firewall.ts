// stopFirewall: remove fwgen's own tables (and nothing else) in one transaction, under the apply
// lock. `add` before `delete` makes the delete valid whether or not the table exists (nft 1.0.6
// has no `destroy`; docs/reference.md §nft-atomic-replace).
import { acquireLock } from './acquire-lock.js';
import { digestText, OWN_TABLES } from './list-own-tables.js';
import { nftError, runNft, type NftOptions } from './run-nft.js';
import { readState, writeState } from './state-store.js';

export interface StopOptions extends NftOptions {
  stateDir: string;
  lockTimeoutMs?: number;
  log: (line: string) => void;
  now?: () => number;
}

export async function stopFirewall(opts: StopOptions): Promise<{ ok: boolean; message?: string }> {
  const now = opts.now ?? Date.now;
  const lock = await acquireLock(opts.stateDir, { timeoutMs: opts.lockTimeoutMs });
  try {
    const started = now();
    const prev = await readState(opts.stateDir);
    const script = OWN_TABLES.map((t) => `add table ${t}\ndelete table ${t}\n`).join('');
    const r = await runNft(['-f', '-'], script, opts);
    if (!r.ok) {
      const message = `nft refused to remove fwgen's tables: ${nftError(r)}`;
      opts.log(`error: ${message}`);
      return { ok: false, message };
    }
    const time = new Date(now()).toISOString();
    await writeState(opts.stateDir, {
      version: 1,
      lastRun: { time, result: 'stopped', durationMs: now() - started },
      lastChange: { time, result: 'stopped' },
      enabled: prev?.enabled ?? null,
      inputDigest: null,
      configDigest: null, // nothing loaded: the next apply loads whatever the config says
      kernelDigest: digestText(''), // the transaction removed both tables or failed as a whole
      warnings: [],
      errors: [],
      guests: [],
    });
    opts.log("stopped: fwgen's tables removed; this host is not filtered by fwgen now");
    return { ok: true };
  } finally {
    await lock.release();
  }
}
