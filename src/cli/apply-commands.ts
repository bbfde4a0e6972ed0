// `fwgen apply|diff|stop`: the service side. Output is one line per event (journald); under
// systemd (JOURNAL_STREAM set) error and warning lines carry a <3>/<4> priority prefix.
import { Option, type Command } from 'commander';
import { LockTimeoutError } from '../apply/acquire-lock.js';
import * as apply from '../apply/apply-ruleset.js';
import { flagPaths } from '../apply/fwbr-flag.js';
import {
  formatKernelSettingChange,
  planKernelSettings,
  type KernelSetting,
} from '../apply/kernel-settings.js';
import { previewApply } from '../apply/preview-apply.js';
import { settingsIo } from '../apply/settings-io.js';
import { stateDir, type GuestSummary } from '../apply/state-store.js';
import { stopFirewall } from '../apply/stop-firewall.js';
import { compileKey } from '../compile-key.js';
import type { Diagnostic } from '../diag/diagnostic.js';
import { render } from '../diag/render.js';
import type { CompileInputs } from '../load/load-inventory.js';
import { LoadError } from '../load/load-tree.js';
import type * as ir from '../resolve/ir.js';
import { EXIT, UsageError, type Io } from './io.js';
import {
  addInventoryOptions,
  compileInputs,
  loadTreeInputs,
  type TreeFlags,
} from './inventory-options.js';
import { logLine } from './print.js';
import { version } from './version.js';

const APPLY_HELP = `
Compiles like 'fwgen compile', then checks the script with 'nft -c' and loads it in one 'nft -f'
transaction that creates, replaces or removes only fwgen's tables (inet fwgen, bridge fwgen).
Nothing happens when the config and fwgen's tables in the kernel are unchanged since the last
apply; tables changed by hand are restored. Any failure keeps the running ruleset.
Invalid lines are skipped and reported (pve-firewall's policy); with --strict nothing is loaded.

Kernel settings, as pve-firewall writes them on every cycle (only while the cluster firewall is
enabled): net.netfilter.nf_conntrack_max (host option, only raised: at least 262144, rounded up
to 8192; the hash size /sys/module/nf_conntrack/parameters/hashsize = max/4 with it), the
nf_conntrack_tcp_timeout_established / _syn_recv options (defaults 432000 / 60),
net.ipv4.tcp_syncookies=1, and /var/lib/pve-firewall/log_nf_conntrack (0/1, host option
log_nf_conntrack; pvefw-logger.service is try-restarted when it changes; nothing when that
directory does not exist). Each run, the no-op one too, writes those that differ, after a
successful load, and logs 'sysctl <name> <old> -> <new>' ('file <path> …' for the flag file);
--dry-run and 'fwgen diff' print the same lines. 'fwgen stop' does not undo them.

State: $FWGEN_STATE_DIR (default /run/fwgen)/state.json; lock: the same dir/lock.
nft: $FWGEN_NFT (default: nft from PATH).
Once fwgen's tables are loaded, apply removes /run/proxmox-nftables-firewall-force-disable
($FWGEN_FWBR_FLAG) unless pve-firewall runs: guests started later get no fwbr bridge.

Exit status: 0 applied or no changes, 1 config errors (--strict) or unreadable config,
2 usage error, 3 nft refused the ruleset (running one unchanged), 75 another run holds the lock.`;

const STOP_HELP = `
Kernel settings that 'fwgen apply' wrote (nf_conntrack_max and hashsize, the conntrack TCP
timeouts, tcp_syncookies, /var/lib/pve-firewall/log_nf_conntrack) are left as they are, as
pve-firewall leaves them when it stops: they are not filtering, and the previous values are not
known after a reboot anyway.`;

interface ApplyFlags extends TreeFlags {
  dryRun?: boolean;
  wait: string;
}

/** The tree options of apply, diff and status. */
export function treeOptions(cmd: Command): Command {
  return addInventoryOptions(cmd)
    .option('--root <dir>', 'the /etc/pve tree', '/etc/pve')
    .option('--node <name>', 'the node to compile for (default: the short host name)')
    .option('--localnet <cidr>', 'the local network (default: detected as pve-firewall does)');
}

export function addApplyCommands(
  program: Command,
  io: Io,
  setStatus: (code: number) => void,
): void {
  const wait = new Option('--wait <seconds>', 'how long to wait for another apply or stop').default(
    '30',
  );

  treeOptions(program.command('apply'))
    .description("compile and load the ruleset into the kernel (only fwgen's own tables)")
    .option('--strict', 'load nothing when any config error exists')
    .option('--dry-run', 'print what would change, change nothing')
    .addOption(wait)
    .addHelpText('after', APPLY_HELP)
    .action(async (opts: ApplyFlags) => setStatus(await runApply(opts, io)));

  treeOptions(program.command('diff'))
    .description("print what 'fwgen apply' would change, as a diff of fwgen's tables")
    .option('--strict', 'fail on any config error')
    .action(async (opts: ApplyFlags) => setStatus(await runApply({ ...opts, dryRun: true }, io)));

  program
    .command('stop')
    .description("remove fwgen's tables from the kernel (other tables are left alone)")
    .addOption(wait)
    .addHelpText('after', STOP_HELP)
    .action(async (opts: { wait: string }) => setStatus(await runStop(opts, io)));
}

export interface Compiled extends apply.Compiled {
  config: ir.Config | undefined;
}

/** Compile for the service commands: nft text, diagnostics as one-line journal entries. */
export async function compileService(
  inputs: CompileInputs,
  strict: boolean,
  io: Io,
): Promise<Compiled> {
  const result = await compileInputs(inputs, 'nft', strict, io);
  // One line per diagnostic: the excerpt lines would be separate, unrelated journal entries.
  const line = (d: Diagnostic): string => render(d).split('\n')[0]!;
  return {
    script: typeof result.ruleset === 'string' ? result.ruleset : undefined,
    ...(typeof result.ruleset === 'string' && result.script ? { model: result.script } : {}),
    enabled: result.config?.enabled ?? null,
    config: result.config,
    warnings: result.diagnostics.filter((d) => d.severity !== 'error').map(line),
    errors: result.diagnostics.filter((d) => d.severity === 'error').map(line),
    guests: guestSummary(result.config),
    settings: result.settings,
  };
}

function guestSummary(config: ir.Config | undefined): GuestSummary[] {
  return (config?.guests ?? []).map((g) => ({
    vmid: g.vmid,
    type: g.type,
    enabled: g.options.enable,
    policyIn: g.options.policyIn,
    policyOut: g.options.policyOut,
    filtered: g.nics.filter((n) => n.firewall).map((n) => n.device),
  }));
}

/** The `sysctl …` lines of diff and --dry-run; unreadable files (hashsize is root-only) are a note. */
async function plannedSettings(desired: KernelSetting[], io: Io): Promise<string[]> {
  const sys = settingsIo(io.env);
  try {
    const plan = await planKernelSettings(desired, sys.read, sys.dirExists);
    return plan.map((c) => `${formatKernelSettingChange(c)}\n`);
  } catch (e) {
    logLine(
      io,
      `note: kernel settings not compared: ${e instanceof Error ? e.message : String(e)}`,
    );
    return [];
  }
}

function waitMs(text: string): number {
  const s = Number(text);
  if (!Number.isFinite(s) || s < 0)
    throw new UsageError(`invalid --wait '${text}', expected seconds`);
  return s * 1000;
}

async function runApply(opts: ApplyFlags, io: Io): Promise<number> {
  const nft = { env: io.env };
  const strict = opts.strict === true;
  const log = (l: string): void => logLine(io, l);
  const report = (c: Compiled): Compiled => {
    for (const w of c.warnings) log(w);
    // Without --strict an error costs only its line or rule, as in pve-firewall: say so.
    for (const e of c.errors) log(strict ? e : `${e} (skipped)`);
    return c;
  };
  if (opts.dryRun) {
    const inputs = await loadTreeInputs(opts, io, false, { log });
    const compiled = report(await compileService(inputs, strict, io));
    if (compiled.script === undefined) return EXIT.errors;
    const preview = await previewApply(compiled.script, nft);
    if (preview.kind === 'refused') {
      log(`error: ${preview.message}`);
      return EXIT.refused;
    }
    if (preview.note) log(`note: ${preview.note}`);
    const settings = await plannedSettings(compiled.settings, io);
    const load = await apply.previewLoad(compiled, { ...nft, stateDir: stateDir(io.env) });
    io.stdout(
      preview.diff === '' && settings.length === 0
        ? 'no changes\n'
        : preview.diff + settings.join('') + (load === null ? '' : `${load}\n`),
    );
    return EXIT.ok;
  }
  let input: apply.ApplyInput;
  try {
    const inputs = await loadTreeInputs(opts, io, true, { log });
    input = {
      inputDigest: compileKey(inputs, { version: version(), strict }),
      compile: async () => report(await compileService(inputs, strict, io)),
    };
  } catch (e) {
    // /etc/pve unreadable (pmxcfs down): like pve-firewall, keep the running ruleset and say why.
    // A --node naming no node is a usage error, not an unreadable tree.
    if (!(e instanceof LoadError) || e.code === 'unknown-node') throw e;
    log(`error: ${e.message}`);
    const failed: apply.Compiled = {
      script: undefined,
      enabled: null,
      warnings: [],
      errors: [`error: ${e.message}`],
      guests: [],
      settings: [],
    };
    input = { inputDigest: undefined, compile: async () => failed };
  }
  try {
    const outcome = await apply.applyRuleset(input, {
      ...nft,
      stateDir: stateDir(io.env),
      lockTimeoutMs: waitMs(opts.wait),
      log,
      settings: settingsIo(io.env),
      fwbrFlag: flagPaths(io.env),
    });
    if (outcome.kind === 'refused') return EXIT.refused;
    if (outcome.kind === 'config-error') return EXIT.errors;
    return EXIT.ok;
  } catch (e) {
    if (!(e instanceof LockTimeoutError)) throw e;
    log(`error: ${e.message}`);
    return EXIT.busy;
  }
}

async function runStop(opts: { wait: string }, io: Io): Promise<number> {
  try {
    const r = await stopFirewall({
      env: io.env,
      stateDir: stateDir(io.env),
      lockTimeoutMs: waitMs(opts.wait),
      log: (l) => logLine(io, l),
    });
    return r.ok ? EXIT.ok : EXIT.refused;
  } catch (e) {
    if (!(e instanceof LockTimeoutError)) throw e;
    logLine(io, `error: ${e.message}`);
    return EXIT.busy;
  }
}
