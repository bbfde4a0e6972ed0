// The state file (`<state dir>/state.json`, default /run/fwgen: tmpfs, so a reboot forgets it and
// the first apply after boot always loads). Written atomically (temp file + rename) so `fwgen
// status` never reads half a file. Must not: decide anything; apply-ruleset does.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { KernelSetting } from './kernel-settings.js';

export const DEFAULT_STATE_DIR = '/run/fwgen';

export type RunResult =
  'applied' | 'restored' | 'unchanged' | 'removed' | 'stopped' | 'refused' | 'config-error';

export interface GuestSummary {
  vmid: number;
  type: 'qemu' | 'lxc';
  enabled: boolean;
  policyIn: string;
  policyOut: string;
  /** bridge ports whose traffic fwgen filters (NICs with firewall=1) */
  filtered: string[];
}

export interface ApplyState {
  version: 1;
  /** the last run of apply or stop, whatever its result */
  lastRun: { time: string; result: RunResult; durationMs: number };
  /** the last run that changed the kernel (applied, restored, removed, stopped); null: never */
  lastChange: { time: string; result: RunResult } | null;
  /** cluster firewall enabled in the config of the last run; null when it did not compile */
  enabled: boolean | null;
  /** sha256 of the inputs (files, node, local network, fwgen version) of the script last loaded */
  inputDigest: string | null;
  /** sha256 of the script last loaded; null: fwgen's tables were removed or never loaded */
  configDigest: string | null;
  /** sha256 of fwgen's tables as `nft list` showed them right after that load (normalised) */
  kernelDigest: string | null;
  /** one line per diagnostic of the last run: skipped lines are warnings or errors here */
  warnings: string[];
  errors: string[];
  guests: GuestSummary[];
  /** The kernel settings the last successful apply enforced (compile's `settings`); every run,
   * the no-op one too, writes those that differ from the kernel's. Absent: none known (state
   * written by `stop` or an older fwgen). `stop` does not undo them. */
  settings?: KernelSetting[];
  /** How the last load was sent: the full script, or an incremental update computed against the
   * previous model (apply/diff-model.ts); its number of commands and bytes. Absent: none yet. */
  lastLoad?: { mode: 'full' | 'incremental'; commands: number; bytes: number };
}

export function stateDir(env: Record<string, string | undefined>, override?: string): string {
  return override ?? env.FWGEN_STATE_DIR ?? DEFAULT_STATE_DIR;
}

export async function readState(dir: string): Promise<ApplyState | null> {
  let text: string;
  try {
    text = await readFile(path.join(dir, 'state.json'), 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const s = JSON.parse(text) as ApplyState;
    return s.version === 1 ? s : null;
  } catch {
    return null; // a damaged file only costs one full apply
  }
}

export async function writeState(dir: string, state: ApplyState): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const tmp = path.join(dir, `.state.json.${process.pid}`);
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
  await rename(tmp, path.join(dir, 'state.json'));
}
