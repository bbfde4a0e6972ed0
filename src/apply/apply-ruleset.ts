// applyRuleset: load a compiled script into the kernel, or do nothing when the kernel already
// holds it. Under the lock: compare digests of the inputs, the script and fwgen's listed tables
// with the state file, then `nft -c -f -` and `nft -f -` (one transaction: all or nothing,
// foreign tables untouched; docs/reference.md §nft-atomic-replace). Any failure leaves the kernel
// as it was and is recorded. After a load, and on every run that keeps the ruleset, the kernel
// settings (sysctls, pvefw-logger's flag) are written where they differ, as pve-firewall does
// every cycle; a failed load writes none.
import { acquireLock } from './acquire-lock.js';
import {
  applyKernelSettings,
  formatKernelSettingChange,
  type KernelSetting,
  type KernelSettingsIo,
} from './kernel-settings.js';
import type * as nft from '../nft/model.js';
import { planIncremental, planSummary, type IncrementalPlan } from './diff-model.js';
import { releaseFwbrFlag, type FlagPaths } from './fwbr-flag.js';
import { digestText, listOwnTables, NftListError } from './list-own-tables.js';
import {
  readSnapshot,
  snapshotModel,
  writeSnapshot,
  type ModelSnapshot,
} from './model-snapshot.js';
import { nftError, runNft, type NftOptions } from './run-nft.js';
import {
  readState,
  writeState,
  type ApplyState,
  type GuestSummary,
  type RunResult,
} from './state-store.js';

export interface Compiled {
  /** The compiled script; undefined when compiling withheld it (errors under --strict, load failure). */
  script: string | undefined;
  enabled: boolean | null;
  /** One line per diagnostic; errors without --strict are lines skipped, as pve-firewall does. */
  warnings: string[];
  errors: string[];
  guests: GuestSummary[];
  /** Kernel settings to enforce once the script is loaded (compile's `settings`). */
  settings: KernelSetting[];
  /** The model `script` was emitted from: what the next apply diffs against. Absent: every change
   * is a full replace. */
  model?: nft.Script;
}

export interface ApplyInput {
  /**
   * Digest of everything the script depends on (files, node, local network, fwgen version), or
   * undefined when that is not all (a time-limited `enable`). Equal to the last apply's and the
   * kernel unchanged: nothing to do, without compiling. This is what keeps a timer tick cheap.
   */
  inputDigest: string | undefined;
  /** Called only when the fast path does not decide. */
  compile(): Promise<Compiled>;
}

export interface ApplyOptions extends NftOptions {
  stateDir: string;
  lockTimeoutMs?: number;
  /** One event per call, one line each (journald). */
  log: (line: string) => void;
  now?: () => number;
  /** Where kernel settings are read and written; without it none are (tests of the ruleset). */
  settings?: KernelSettingsIo;
  /** pve-firewall's fwbr flag file, released once fwgen's tables are loaded (fwbr-flag.ts). */
  fwbrFlag?: FlagPaths;
}

export type ApplyOutcome =
  | { kind: 'unchanged' | 'applied' | 'restored' | 'removed' }
  | { kind: 'refused'; message: string }
  | { kind: 'config-error' };

type Digests = Pick<ApplyState, 'inputDigest' | 'configDigest' | 'kernelDigest'> &
  Pick<ApplyState, 'lastLoad'>;

export async function applyRuleset(input: ApplyInput, opts: ApplyOptions): Promise<ApplyOutcome> {
  const now = opts.now ?? Date.now;
  const lock = await acquireLock(opts.stateDir, {
    timeoutMs: opts.lockTimeoutMs,
    onWait: (pid) =>
      opts.log(`waiting for another fwgen run${pid === null ? '' : ` (pid ${pid})`} to finish`),
  });
  try {
    const outcome = await applyLocked(input, opts, now);
    // Under the lock: a `stop` cannot slip in between the load and the flag's removal.
    if (opts.fwbrFlag && ['unchanged', 'applied', 'restored'].includes(outcome.kind))
      await releaseFwbrFlag(opts.fwbrFlag, opts.log);
    return outcome;
  } finally {
    await lock.release();
  }
}

type RecordRun = (result: RunResult, compiled: Compiled | null, digests?: Digests) => Promise<void>;

async function applyLocked(
  input: ApplyInput,
  opts: ApplyOptions,
  now: () => number,
): Promise<ApplyOutcome> {
  const started = now();
  const prev = await readState(opts.stateDir);
  const record = stateRecorder(opts.stateDir, prev, started, now);
  const refuse = (message: string, compiled: Compiled | null): Promise<ApplyOutcome> =>
    refuseRun(message, compiled, prev, record, opts.log);

  const before = await ownTablesDigest(opts);
  if (before instanceof NftListError) return await refuse(before.message, null);
  const kernelAsLeft = prev !== null && prev.kernelDigest === before;
  if (kernelAsLeft && input.inputDigest !== undefined && prev.inputDigest === input.inputDigest) {
    // Same inputs, so the same settings as last time: only their drift is repaired (a few small reads).
    const wrote = await enforceSettings(prev.settings ?? [], opts);
    opts.log(wrote ? 'ruleset unchanged; kernel settings written' : 'no changes');
    await record('unchanged', null);
    return { kind: 'unchanged' };
  }

  const compiled = await input.compile();
  if (compiled.script === undefined) {
    opts.log('not applied: configuration errors; the running ruleset is kept');
    await record('config-error', compiled);
    return { kind: 'config-error' };
  }
  const configDigest = digestText(compiled.script);
  if (kernelAsLeft && prev.configDigest === configDigest) {
    // Inputs changed but not the script (an edited comment outside any rule, or a setting).
    const wrote = await enforceSettings(compiled.settings, opts);
    opts.log(wrote ? 'ruleset unchanged; kernel settings written' : 'no changes');
    await record('unchanged', compiled, {
      inputDigest: input.inputDigest ?? null,
      configDigest,
      kernelDigest: before,
    });
    return { kind: 'unchanged' };
  }
  // Same script as last time but different tables: someone (or something) changed them.
  const drift = prev?.configDigest === configDigest;
  const next = compiled.model ? snapshotModel(compiled.model, configDigest) : null;
  // Only from a kernel known to hold the last model exactly; anything else loads the full script.
  const update =
    kernelAsLeft && !drift && prev.configDigest !== null && next !== null && compiled.model
      ? await incrementalUpdate(prev.configDigest, compiled.model, next, compiled.script, opts)
      : null;
  const head = `applying changes (config ${configDigest.slice(0, 12)})`;
  opts.log(
    drift
      ? 'kernel tables differ from the last apply: restoring'
      : update === null
        ? head
        : typeof update === 'string'
          ? `${head}: full replace (${update})`
          : `${head}: incremental, ${planSummary(update.plan)}, ` +
            `${Buffer.byteLength(update.text)} bytes`,
  );

  let lastLoad: NonNullable<ApplyState['lastLoad']> = {
    mode: 'full',
    commands: compiled.model?.commands.length ?? 0,
    bytes: Buffer.byteLength(compiled.script),
  };
  let refused: string | null = null;
  if (update !== null && typeof update !== 'string') {
    refused = await loadScript(update.text, opts);
    if (refused === null)
      lastLoad = {
        mode: 'incremental',
        commands: update.plan.script.commands.length,
        bytes: Buffer.byteLength(update.text),
      };
    // A refused update changed nothing (one transaction): the full script still can.
    else opts.log(`warning: incremental update refused (${refused}); loading the full ruleset`);
  }
  if (lastLoad.mode === 'full') refused = await loadScript(compiled.script, opts);
  if (refused !== null) return await refuse(refused, compiled);
  // In the namespace apply runs in (the initial one on a node: conntrack max is global).
  await enforceSettings(compiled.settings, opts);

  const after = await ownTablesDigest(opts);
  if (after instanceof NftListError) {
    // Loaded, but unverifiable: forget the digests so the next run loads again.
    opts.log(`applied, but ${after.message}`);
    await record('applied', compiled, {
      inputDigest: null,
      configDigest: null,
      kernelDigest: null,
      lastLoad,
    });
    return { kind: 'applied' };
  }
  const result = compiled.enabled === false ? 'removed' : drift ? 'restored' : 'applied';
  // Before state.json names configDigest: the snapshot counts only once both are written.
  if (next !== null) await saveSnapshot(opts, next);
  await record(result, compiled, {
    inputDigest: input.inputDigest ?? null,
    configDigest,
    kernelDigest: after,
    lastLoad,
  });
  opts.log(
    result === 'removed'
      ? `firewall disabled in cluster.fw: fwgen's tables removed (${now() - started} ms)`
      : `${result} (${now() - started} ms)`,
  );
  return { kind: result };
}

/** Writes the state file for this run; what the run did not establish keeps its previous value. */
function stateRecorder(
  stateDir: string,
  prev: ApplyState | null,
  started: number,
  now: () => number,
): RecordRun {
  return (result, compiled, digests) => {
    const time = new Date(now()).toISOString();
    const changed = result === 'applied' || result === 'restored' || result === 'removed';
    // Enforced this run: a loaded or kept ruleset; a refused or erroneous run enforced nothing.
    const enforced = changed || result === 'unchanged';
    return writeState(stateDir, {
      version: 1,
      lastRun: { time, result, durationMs: now() - started },
      lastChange: changed ? { time, result } : (prev?.lastChange ?? null),
      // On failure the digests still describe what the kernel holds from the last good apply.
      inputDigest: digests ? digests.inputDigest : (prev?.inputDigest ?? null),
      configDigest: digests ? digests.configDigest : (prev?.configDigest ?? null),
      kernelDigest: digests ? digests.kernelDigest : (prev?.kernelDigest ?? null),
      // Not compiled (fast path): the last compile's findings still hold.
      enabled: compiled ? compiled.enabled : (prev?.enabled ?? null),
      warnings: compiled ? compiled.warnings : (prev?.warnings ?? []),
      errors: compiled ? compiled.errors : (prev?.errors ?? []),
      guests: compiled ? compiled.guests : (prev?.guests ?? []),
      settings: enforced && compiled ? compiled.settings : (prev?.settings ?? []),
      // A run that loaded nothing leaves the last load's description.
      ...((digests?.lastLoad ?? prev?.lastLoad)
        ? { lastLoad: digests?.lastLoad ?? prev?.lastLoad }
        : {}),
    });
  };
}

/**
 * For `fwgen diff` and `apply --dry-run`: one line saying how apply would load `compiled` now
 * (an incremental update and its size, or the full script and why), or null when it would load
 * nothing or nothing is known of the last apply. Reads the state and lists the tables; no lock.
 */
export async function previewLoad(
  compiled: Compiled,
  opts: NftOptions & { stateDir: string },
): Promise<string | null> {
  const prev = await readState(opts.stateDir);
  if (compiled.script === undefined || !compiled.model || prev?.configDigest == null) return null;
  const configDigest = digestText(compiled.script);
  const kernel = await ownTablesDigest(opts);
  if (kernel !== prev.kernelDigest)
    return 'apply would load the full script (kernel tables differ from the last apply)';
  if (configDigest === prev.configDigest) return null;
  const next = snapshotModel(compiled.model, configDigest);
  if (next === null) return null;
  const update = await incrementalUpdate(prev.configDigest, compiled.model, next, compiled.script, {
    ...opts,
    log: () => undefined,
  });
  return typeof update === 'string'
    ? `apply would load the full script (${update})`
    : `apply would send an incremental update: ${planSummary(update.plan)}, ` +
        `${update.text.length} bytes instead of ${compiled.script.length}`;
}

/** The incremental update from the last apply's snapshot and its text, or why there is none. */
async function incrementalUpdate(
  prevDigest: string,
  model: nft.Script,
  next: ModelSnapshot,
  full: string,
  opts: ApplyOptions,
): Promise<{ plan: IncrementalPlan; text: string } | string> {
  const snap = await readSnapshot(opts.stateDir, prevDigest);
  if (snap === null) return 'no snapshot of the last apply';
  const plan = planIncremental(snap, model, next);
  if (typeof plan === 'string') return plan;
  // Loaded here, not at the top: the no-op tick never needs the emitter.
  const { emitText } = await import('../nft/emit-text.js');
  const text = emitText(plan.script);
  // nft's cost grows with what it parses: an update as large as the script is no gain.
  if (text.length >= full.length) return 'the update is not smaller than the full script';
  return { plan, text };
}

/** A snapshot that cannot be written only costs the next apply its increment. */
async function saveSnapshot(opts: ApplyOptions, snap: ModelSnapshot): Promise<void> {
  try {
    await writeSnapshot(opts.stateDir, snap);
  } catch (e) {
    opts.log(`warning: model snapshot not written: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Writes the settings that differ from the kernel's, one log line each, and restarts the units
 * that read them. A failure is a warning: the ruleset stands, and the next run tries again.
 * True when anything was written.
 */
async function enforceSettings(
  desired: readonly KernelSetting[],
  opts: Pick<ApplyOptions, 'settings' | 'log'>,
): Promise<boolean> {
  if (opts.settings === undefined || desired.length === 0) return false;
  let r;
  try {
    r = await applyKernelSettings(desired, opts.settings);
  } catch (e) {
    opts.log(`warning: kernel settings not checked: ${e instanceof Error ? e.message : String(e)}`);
    return false;
  }
  for (const c of r.changes) opts.log(formatKernelSettingChange(c));
  for (const f of r.failed)
    opts.log(`warning: not written: ${formatKernelSettingChange(f.change)}: ${f.error}`);
  for (const u of r.restarted)
    opts.log(
      u.error === undefined
        ? `restarted ${u.unit} (if it was running): it reads its setting at start`
        : `warning: ${u.error}`,
    );
  return r.changes.length > 0;
}

/** The running ruleset is kept: log why and record the refusal among the run's errors. */
async function refuseRun(
  message: string,
  compiled: Compiled | null,
  prev: ApplyState | null,
  record: RecordRun,
  log: (line: string) => void,
): Promise<ApplyOutcome> {
  log(`error: ${message}; the running ruleset is kept`);
  const base = compiled ?? {
    script: undefined,
    enabled: prev?.enabled ?? null,
    warnings: prev?.warnings ?? [],
    errors: [],
    guests: prev?.guests ?? [],
    settings: prev?.settings ?? [],
  };
  await record('refused', { ...base, errors: [...base.errors, `error: ${message}`] });
  return { kind: 'refused', message };
}

/** The digest of fwgen's tables as the kernel lists them, or why they could not be listed. */
async function ownTablesDigest(opts: NftOptions): Promise<string | NftListError> {
  try {
    return digestText(await listOwnTables(opts));
  } catch (e) {
    if (!(e instanceof NftListError)) throw e;
    return e;
  }
}

/** `nft -c -f -`, then `nft -f -`: null when loaded, else why nft refused. */
async function loadScript(script: string, opts: NftOptions): Promise<string | null> {
  const check = await runNft(['-c', '-f', '-'], script, opts);
  if (!check.ok) return `nft -c refused the ruleset: ${nftError(check)}`;
  const load = await runNft(['-f', '-'], script, opts);
  if (!load.ok) return `nft -f refused the ruleset: ${nftError(load)}`;
  return null;
}
