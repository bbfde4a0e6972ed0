// `fwgen status [--json]`: prints the firewall's state; apply/derive-status.ts decides it.
import type { Command } from 'commander';
import { deriveKernelStatus } from '../apply/derive-status.js';
import { digestText, listOwnTables, NftListError } from '../apply/list-own-tables.js';
import { readState, stateDir } from '../apply/state-store.js';
import { compileService, treeOptions } from './apply-commands.js';
import { EXIT, type Io } from './io.js';
import { loadTreeInputs, type TreeFlags } from './inventory-options.js';

type StatusFlags = TreeFlags & { json?: boolean };

export function addStatusCommand(
  program: Command,
  io: Io,
  setStatus: (code: number) => void,
): void {
  treeOptions(program.command('status'))
    .description(
      'is the firewall enabled, does the kernel match the config, how did the last apply go',
    )
    .option('--json', 'print the status as JSON')
    .action(async (opts: StatusFlags) => setStatus(await runStatus(opts, io)));
}

async function runStatus(opts: StatusFlags, io: Io): Promise<number> {
  // The links as apply reads them: the same script, or status would report pending changes.
  const inputs = await loadTreeInputs(opts, io, false, { log: (l) => io.stderr(`${l}\n`) });
  const compiled = await compileService(inputs, opts.strict === true, io);
  const state = await readState(stateDir(io.env));
  const configDigest = compiled.script === undefined ? null : digestText(compiled.script);
  let kernelDigest: string | null = null;
  let kernelError: string | null = null;
  let loaded = false;
  try {
    const listing = await listOwnTables({ env: io.env });
    loaded = listing !== '';
    kernelDigest = digestText(listing);
  } catch (e) {
    if (!(e instanceof NftListError)) throw e;
    kernelError = e.message;
  }
  const kernel = deriveKernelStatus({ configDigest, kernelDigest, loaded }, state);
  const { guests, enabled } = compiled;
  if (opts.json) {
    const report = {
      enabled,
      kernel,
      pendingChanges: kernel !== 'in-sync',
      kernelError,
      configDigest,
      kernelDigest,
      lastRun: state?.lastRun ?? null,
      lastChange: state?.lastChange ?? null,
      warnings: state?.warnings ?? [],
      errors: state?.errors ?? [],
      guests,
    };
    io.stdout(`${JSON.stringify(report, null, 2)}\n`);
    return EXIT.ok;
  }
  const say = (l: string): void => io.stdout(`${l}\n`);
  const firewall =
    enabled === null ? 'unknown (the config does not compile)' : enabled ? 'enabled' : 'disabled';
  say(`firewall: ${firewall}`);
  say(
    `kernel: ${
      {
        'in-sync': 'matches the config',
        pending: 'pending changes (the config changed since the last apply)',
        drift: "pending changes (fwgen's tables were changed outside fwgen)",
        'not-loaded': "pending changes (fwgen's tables are not loaded)",
        unknown: `unknown (${kernelError})`,
      }[kernel]
    }`,
  );
  const run = state?.lastRun;
  const change = state?.lastChange;
  say(
    `last run: ${run ? `${run.time} ${run.result} (${run.durationMs} ms)` : 'never (since boot)'}`,
  );
  say(`last change: ${change ? `${change.time} ${change.result}` : 'never (since boot)'}`);
  for (const d of [...(state?.warnings ?? []), ...(state?.errors ?? [])]) say(d);
  for (const g of guests) {
    const nics =
      g.filtered.length > 0 ? `filtered ${g.filtered.join(', ')}` : 'no NIC with firewall=1';
    say(
      `guest ${g.vmid} (${g.type}): firewall ${g.enabled ? 'on' : 'off'}, ` +
        `in ${g.policyIn}, out ${g.policyOut}, ${nics}`,
    );
  }
  return EXIT.ok;
}
