// The fwgen command line: parse arguments, call load/compile, print, return an exit code. Only
// wires; all output goes through `io` (tests pass fakes). No colours: the output ends up in journald.
import { addDoctorCommand } from './doctor-command.js';
import {
  addInventoryOptions,
  INVENTORY_HELP,
  loadInventory,
  type InventoryFlags,
} from './inventory-options.js';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { compareDiagnostics, Diagnostics, type Diagnostic } from '../diag/diagnostic.js';
import type { CompileSources } from '../compile.js';
import { render, renderAll, toJson } from '../diag/render.js';
import { sourceFile, type SourceFile } from '../diag/span.js';
import { LockTimeoutError } from '../apply/acquire-lock.js';
import * as apply from '../apply/apply-ruleset.js';
import { digestText, listOwnTables, NftListError } from '../apply/list-own-tables.js';
import { previewApply } from '../apply/preview-apply.js';
import { readState, stateDir, type GuestSummary } from '../apply/state-store.js';
import { stopFirewall } from '../apply/stop-firewall.js';
import { detectLocalNetwork, shortHostname } from '../load/detect-local-network.js';
import { LoadError, nodeReader, readSource } from '../load/load-tree.js';
import { parseCidrText } from '../resolve/check-address.js';
import type { FileScope } from '../resolve/input.js';
import type * as ir from '../resolve/ir.js';
import { checkFile } from '../resolve/resolve-config.js';
import type * as ast from '../syntax/ast.js';
import { parseCorosyncConf } from '../syntax/parse-corosync-conf.js';
import { parseFile } from '../syntax/parse.js';
import { parseGuestConf } from '../syntax/parse-guest-conf.js';

export interface Io {
  stdout(s: string): void;
  stderr(s: string): void;
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
  isTTY: boolean;
  env: Record<string, string | undefined>;
  /** Defaults: os.hostname(), detectLocalNetwork, the clock. Tests replace them. */
  hostname?(): string;
  detectLocalNetwork?(node: string, corosync: ast.CorosyncConf | null): Promise<ir.Cidr[]>;
  now?(): number;
}

export function nodeIo(): Io {
  // `fwgen compile | head`: a closed pipe ends the output, it is not a crash.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  return {
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    readFile: nodeReader.readFile,
    readStdin: nodeReader.readStdin,
    isTTY: process.stdout.isTTY === true,
    env: process.env,
  };
}

// refused: nft rejected the ruleset (the running one is unchanged); busy: another apply held the
// lock past --wait (EX_TEMPFAIL: try again).
export const EXIT = { ok: 0, errors: 1, usage: 2, refused: 3, internal: 70, busy: 75 } as const;

/** A mistake in how fwgen was called: printed as `fwgen: message`, exit 2, never a stack. */
class UsageError extends Error {
  override readonly name = 'UsageError';
}

const SCOPES = ['cluster', 'host', 'guest', 'vnet', 'qemu', 'lxc'] as const;
type CheckScope = (typeof SCOPES)[number];

const CHECK_HELP = `
Scopes come from the file name unless --scope is given: cluster.fw → cluster, host.fw → host,
<vmid>.fw → guest, sdn/firewall/*.fw → vnet, qemu-server/*.conf → qemu, lxc/*.conf → lxc,
corosync.conf → corosync. '-' reads standard input and needs --scope.

Output (stdout): the diagnostics, compiler style (path:line:col: severity: message [code]),
then one summary line such as '2 errors, 1 warning'; nothing at all when the files are clean.
With --json: a JSON array of diagnostics (file, range, severity, code, message, notes), always.

Exit status: 0 no errors (warnings allowed), 1 errors, 2 usage error.`;

const COMPILE_HELP = `
The ruleset goes to stdout; diagnostics and a summary line go to stderr. As pve-firewall does,
an invalid line or rule is left out with an error and the rest is compiled; with --strict no
ruleset is printed when any error exists.

Exit status: 0 ok (warnings allowed), 1 config errors, 2 usage error, 70 internal error.

Example: fwgen compile --root fixtures/basic --node pve1 --localnet 192.0.2.0/24`;

export async function main(argv: string[], io: Io): Promise<number> {
  let status: number = EXIT.ok;
  const program = new Command('fwgen')
    .description('Compile Proxmox VE firewall configs to nftables (a drop-in for pve-firewall)')
    .version(version(), '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout(s),
      writeErr: (s) => io.stderr(s),
      outputError: (s, write) => write(`fwgen: ${s.replace(/^error: /, '')}`),
    })
    .showHelpAfterError('(run fwgen --help for usage)');

  program
    .command('check')
    .description('check firewall files (.fw) and guest configs (.conf) without compiling')
    .argument('<file...>', "files to check, '-' for standard input")
    .option('--root <dir>', 'a /etc/pve tree whose firewall/cluster.fw guest and host files see')
    .addOption(
      new Option('--scope <scope>', 'what the files are (default: from their names)').choices(
        SCOPES,
      ),
    )
    .option('--json', 'print diagnostics as a JSON array')
    .addHelpText('after', CHECK_HELP)
    .action(
      async (files: string[], opts: { root?: string; scope?: CheckScope; json?: boolean }) => {
        status = await runCheck(files, opts, io);
      },
    );

  addInventoryOptions(program.command('compile'))
    .description("compile one node's view of a /etc/pve tree to an nftables ruleset")
    .option('--root <dir>', 'the /etc/pve tree', '/etc/pve')
    .option('--node <name>', 'the node to compile for (default: the short host name)')
    .option(
      '--localnet <cidr>',
      "the local network (default: detected as pve-firewall does; the cluster alias 'local_network' wins)",
    )
    .addOption(
      new Option('--format <format>', 'output format').choices(['nft', 'json']).default('nft'),
    )
    .option('--strict', 'print no ruleset when any error exists')
    .addHelpText('after', COMPILE_HELP + INVENTORY_HELP)
    .action(async (opts: CompileFlags) => {
      status = await runCompile(opts, io);
    });

  addApplyCommands(program, io, (code) => {
    status = code;
  });
  addDoctorCommand(program, io, (code) => {
    status = code;
  });

  try {
    await program.parseAsync(argv, { from: 'user' });
    return status;
  } catch (e) {
    return failure(e, io);
  }
}

function failure(e: unknown, io: Io): number {
  if (e instanceof CommanderError) {
    // --help and --version end here with 0; parse errors were already printed by commander.
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return EXIT.ok;
    return EXIT.usage;
  }
  if (e instanceof UsageError || e instanceof LoadError) {
    io.stderr(`fwgen: ${e.message}\n`);
    return EXIT.usage;
  }
  const message = e instanceof Error ? e.message : String(e);
  io.stderr(`fwgen: internal error: ${message}\n`);
  if (io.env.FWGEN_DEBUG && e instanceof Error && e.stack) io.stderr(`${e.stack}\n`);
  else
    io.stderr(
      'fwgen: this is a bug in fwgen; rerun with FWGEN_DEBUG=1 for a stack trace and report it\n',
    );
  return EXIT.internal;
}

// ---------------------------------------------------------------------------------------------
// check

type Target =
  { kind: 'fw'; scope: FileScope } | { kind: 'conf'; type: 'qemu' | 'lxc' } | { kind: 'corosync' };

async function runCheck(
  files: string[],
  opts: { root?: string; scope?: CheckScope; json?: boolean },
  io: Io,
): Promise<number> {
  const targets = files.map((f) => ({ name: f, target: targetOf(f, opts.scope) }));
  const diags = new Diagnostics();
  const clusterPath =
    opts.root === undefined ? null : path.join(opts.root, 'firewall', 'cluster.fw');
  const cluster = clusterPath === null ? null : await readCluster(clusterPath, io);
  for (const { name, target } of targets) {
    const file = await readSource(name, io);
    if (target.kind === 'conf') parseGuestConf(file, target.type, diags);
    else if (target.kind === 'corosync') parseCorosyncConf(file, diags);
    else {
      const ast = parseFile(file, diags);
      const isCluster =
        target.scope === 'cluster' ||
        (clusterPath !== null && path.resolve(name) === path.resolve(clusterPath));
      checkFile(ast, target.scope, isCluster ? null : cluster, diags);
    }
  }
  const list = diags.sorted();
  if (opts.json) io.stdout(`${JSON.stringify(list.map(toJson), null, 2)}\n`);
  else if (list.length > 0) io.stdout(`${renderAll(list)}${summary(list)}\n`);
  return diags.hasErrors ? EXIT.errors : EXIT.ok;
}

/** The root's cluster.fw, parsed quietly: its own diagnostics show only when it is checked itself. */
async function readCluster(file: string, io: Io): Promise<ast.ConfigFile> {
  let source: SourceFile;
  try {
    source = await readSource(file, io);
  } catch (e) {
    if (!(e instanceof LoadError && e.code === 'missing-file')) throw e;
    // A tree without one: the cluster is known to be empty, so `dc/x` is an unknown name.
    source = sourceFile(file, '');
  }
  return parseFile(source, new Diagnostics());
}

function targetOf(file: string, scope: CheckScope | undefined): Target {
  const s = scope ?? scopeFromName(file);
  if (s === undefined) {
    throw new UsageError(
      file === '-'
        ? 'reading standard input needs --scope (cluster, host, guest, vnet, qemu or lxc)'
        : `cannot tell what '${file}' is from its name; use --scope cluster|host|guest|vnet|qemu|lxc`,
    );
  }
  if (s === 'corosync') return { kind: 'corosync' };
  if (s === 'qemu' || s === 'lxc') return { kind: 'conf', type: s };
  return { kind: 'fw', scope: s };
}

function scopeFromName(file: string): CheckScope | 'corosync' | undefined {
  if (file === '-') return undefined;
  const p = file.split(path.sep).join('/');
  const base = path.posix.basename(p);
  if (base === 'cluster.fw') return 'cluster';
  if (base === 'host.fw') return 'host';
  if (base === 'corosync.conf') return 'corosync';
  if (/(^|\/)sdn\/firewall\/[^/]+\.fw$/.test(p)) return 'vnet';
  if (/^\d+\.fw$/.test(base)) return 'guest';
  // libvirt inventory: /etc/fwgen/guests/<domain>.fw
  if (/(^|\/)guests\/[^/]+\.fw$/.test(p)) return 'guest';
  if (/(^|\/)qemu-server\/\d+\.conf$/.test(p)) return 'qemu';
  if (/(^|\/)lxc\/\d+\.conf$/.test(p)) return 'lxc';
  return undefined;
}

function summary(list: readonly Diagnostic[]): string {
  const errors = list.filter((d) => d.severity === 'error').length;
  const warnings = list.length - errors;
  const n = (k: number, word: string) => `${k} ${word}${k === 1 ? '' : 's'}`;
  return `${n(errors, 'error')}, ${n(warnings, 'warning')}`;
}

// ---------------------------------------------------------------------------------------------
// compile

interface CompileFlags extends InventoryFlags {
  root: string;
  node?: string;
  localnet?: string;
  format: 'nft' | 'json';
  strict?: boolean;
}

async function runCompile(opts: CompileFlags, io: Io): Promise<number> {
  const result = await compileWith(
    await prepareTree(opts, io),
    opts.format,
    opts.strict === true,
    io,
  );
  if (result.diagnostics.length > 0)
    io.stderr(`${renderAll(result.diagnostics)}${summary(result.diagnostics)}\n`);
  if (result.ruleset !== undefined) {
    io.stdout(
      typeof result.ruleset === 'string'
        ? result.ruleset
        : `${JSON.stringify(result.ruleset, null, 2)}\n`,
    );
  }
  return result.diagnostics.some((d) => d.severity === 'error') ? EXIT.errors : EXIT.ok;
}

function parseLocalnet(text: string): ir.Cidr[] {
  const out: ir.Cidr[] = [];
  for (const part of text.split(',')) {
    const cidr = parseCidrText(part.trim());
    if (cidr === undefined)
      throw new UsageError(
        `invalid --localnet '${part.trim()}', expected a CIDR such as 192.0.2.0/24`,
      );
    out.push(cidr);
  }
  return out;
}

async function detect(node: string, corosyncFile: SourceFile | null, io: Io): Promise<ir.Cidr[]> {
  // Parsed again by compile(), which reports its diagnostics; here only the node list matters.
  const corosync = corosyncFile ? parseCorosyncConf(corosyncFile, new Diagnostics()) : null;
  return io.detectLocalNetwork
    ? io.detectLocalNetwork(node, corosync)
    : detectLocalNetwork(node, corosync);
}

/** Set by esbuild in the single-file bundle (packaging/build-deb.mjs), which has no package.json. */
declare const __FWGEN_VERSION__: string | undefined;

function version(): string {
  if (typeof __FWGEN_VERSION__ === 'string') return __FWGEN_VERSION__;
  // src/cli/main.ts and dist/cli/main.js both sit two levels below package.json.
  const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
  return pkg.version;
}

// ---------------------------------------------------------------------------------------------
// apply, status, stop, diff: the service side. Output is one line per event (journald); under
// systemd (JOURNAL_STREAM set) error and warning lines carry a <3>/<4> priority prefix.

const APPLY_HELP = `
Compiles like 'fwgen compile', then checks the script with 'nft -c' and loads it in one 'nft -f'
transaction that creates, replaces or removes only fwgen's tables (inet fwgen, bridge fwgen).
Nothing happens when the config and fwgen's tables in the kernel are unchanged since the last
apply; tables changed by hand are restored. Any failure keeps the running ruleset.
Invalid lines are skipped and reported (pve-firewall's policy); with --strict nothing is loaded.

State: $FWGEN_STATE_DIR (default /run/fwgen)/state.json; lock: the same dir/lock.
nft: $FWGEN_NFT (default: nft from PATH).

Exit status: 0 applied or no changes, 1 config errors (--strict) or unreadable config,
2 usage error, 3 nft refused the ruleset (running one unchanged), 75 another run holds the lock.`;

interface TreeFlags extends InventoryFlags {
  root: string;
  node?: string;
  localnet?: string;
  strict?: boolean;
}

interface ApplyFlags extends TreeFlags {
  dryRun?: boolean;
  wait: string;
}

function addApplyCommands(program: Command, io: Io, setStatus: (code: number) => void): void {
  const tree = (cmd: Command): Command =>
    addInventoryOptions(cmd)
      .option('--root <dir>', 'the /etc/pve tree', '/etc/pve')
      .option('--node <name>', 'the node to compile for (default: the short host name)')
      .option('--localnet <cidr>', 'the local network (default: detected as pve-firewall does)');
  const wait = new Option('--wait <seconds>', 'how long to wait for another apply or stop').default(
    '30',
  );

  tree(program.command('apply'))
    .description("compile and load the ruleset into the kernel (only fwgen's own tables)")
    .option('--strict', 'load nothing when any config error exists')
    .option('--dry-run', 'print what would change, change nothing')
    .addOption(wait)
    .addHelpText('after', APPLY_HELP)
    .action(async (opts: ApplyFlags) => setStatus(await runApply(opts, io)));

  tree(program.command('diff'))
    .description("print what 'fwgen apply' would change, as a diff of fwgen's tables")
    .option('--strict', 'fail on any config error')
    .action(async (opts: ApplyFlags) => setStatus(await runApply({ ...opts, dryRun: true }, io)));

  tree(program.command('status'))
    .description(
      'is the firewall enabled, does the kernel match the config, how did the last apply go',
    )
    .option('--json', 'print the status as JSON')
    .action(async (opts: TreeFlags & { json?: boolean }) => setStatus(await runStatus(opts, io)));

  program
    .command('stop')
    .description("remove fwgen's tables from the kernel (other tables are left alone)")
    .addOption(wait)
    .action(async (opts: { wait: string }) => setStatus(await runStop(opts, io)));
}

/** One journald line; `<N>` is sd-daemon's priority prefix, understood when stdout is the journal. */
function logLine(io: Io, line: string): void {
  const level = /^(?:[^ ]*: )?(error|warning):/.exec(line)?.[1];
  const prio =
    io.env.JOURNAL_STREAM === undefined
      ? ''
      : level === 'error'
        ? '<3>'
        : level === 'warning'
          ? '<4>'
          : '';
  io.stdout(`${prio}${line}\n`);
}

interface Compiled extends apply.Compiled {
  config: ir.Config | undefined;
}

interface Prepared {
  tree: CompileSources;
  localNetwork: ir.Cidr[];
  serviceBridges: string[];
  /** inventory diagnostics (libvirt XML), reported with compile's */
  diagnostics: Diagnostic[];
}

async function prepareTree(opts: TreeFlags, io: Io, needNodes = false): Promise<Prepared> {
  const node = opts.node ?? shortHostname(io.hostname?.() ?? os.hostname());
  const localFlag = opts.localnet === undefined ? undefined : parseLocalnet(opts.localnet);
  const inv = await loadInventory(opts, node, io.env);
  const tree = inv.sources;
  if (inv.nodes.length > 0 && !inv.nodes.includes(node)) {
    throw new UsageError(
      `no node '${node}' in '${path.join(opts.root, 'nodes')}' (found ${inv.nodes.join(', ')}); use --node`,
    );
  }
  // Every PVE tree has nodes/<this node>; without it /etc/pve is most likely an unmounted pmxcfs,
  // and compiling "no cluster.fw" (firewall off) would tear the running ruleset down.
  if (needNodes && inv.kind === 'pve' && inv.nodes.length === 0) {
    throw new LoadError(
      `no 'nodes' directory in '${opts.root}' (is pmxcfs mounted?)`,
      'missing-root',
    );
  }
  const localNetwork = localFlag ?? (await detect(tree.node, tree.corosync, io));
  return { tree, localNetwork, serviceBridges: inv.serviceBridges, diagnostics: inv.diagnostics };
}

async function compileTree(opts: TreeFlags, io: Io): Promise<Compiled> {
  return compilePrepared(await prepareTree(opts, io), opts, io);
}

/** Compile prepared sources; the inventory's own diagnostics join compile's. */
async function compileWith(prepared: Prepared, format: 'nft' | 'json', strict: boolean, io: Io) {
  // Loaded here, not at the top: `check` (editors, hooks) never needs the generator or emitters.
  const { compile } = await import('../compile.js');
  const { tree, localNetwork, serviceBridges, diagnostics } = prepared;
  const compiled = compile(tree, {
    format,
    localNetwork,
    now: io.now?.() ?? Math.floor(Date.now() / 1000),
    strict,
    serviceBridges,
  });
  const result = {
    ...compiled,
    diagnostics: [...diagnostics, ...compiled.diagnostics].sort(compareDiagnostics),
  };
  if (strict && diagnostics.some((d) => d.severity === 'error')) delete result.ruleset;
  return result;
}

async function compilePrepared(prepared: Prepared, opts: TreeFlags, io: Io): Promise<Compiled> {
  const result = await compileWith(prepared, 'nft', opts.strict === true, io);
  // One line per diagnostic: the excerpt lines would be separate, unrelated journal entries.
  const line = (d: Diagnostic): string => render(d).split('\n')[0]!;
  return {
    script: typeof result.ruleset === 'string' ? result.ruleset : undefined,
    enabled: result.config?.enabled ?? null,
    config: result.config,
    warnings: result.diagnostics.filter((d) => d.severity !== 'error').map(line),
    errors: result.diagnostics.filter((d) => d.severity === 'error').map(line),
    guests: guestSummary(result.config),
  };
}

/**
 * Everything the compiled script depends on, hashed, so an unchanged tree needs no compile (a
 * 1,000-guest tree takes seconds to compile; a timer tick must not). Undefined when the clock
 * matters too: a cluster `enable: <timestamp>` is on only for 60 s after it was written.
 */
function inputDigest(
  { tree, localNetwork, serviceBridges }: Prepared,
  opts: TreeFlags,
): string | undefined {
  for (const m of (tree.cluster?.text ?? '').matchAll(/^\s*enable\s*:\s*(\d+)/gim))
    if (Number(m[1]) > 1) return undefined;
  // Hashed piece by piece, each length-prefixed (unambiguous), instead of one JSON string of every
  // file: this runs on every timer tick, on megabytes of text.
  const hash = createHash('sha256');
  const put = (text: string): void => {
    hash.update(`${Buffer.byteLength(text)}:`).update(text);
  };
  put(
    JSON.stringify({
      version: version(),
      node: tree.node,
      strict: opts.strict === true,
      localNetwork,
      serviceBridges,
    }),
  );
  for (const f of [
    tree.cluster,
    tree.host,
    tree.corosync,
    ...tree.guests.flatMap((g) => [g.conf, g.fw]),
    ...(tree.vnets ?? []),
  ]) {
    if (!f) put('-');
    else {
      put(f.path);
      put(f.text);
    }
  }
  return hash.digest('hex');
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

function waitMs(text: string): number {
  const s = Number(text);
  if (!Number.isFinite(s) || s < 0)
    throw new UsageError(`invalid --wait '${text}', expected seconds`);
  return s * 1000;
}

async function runApply(opts: ApplyFlags, io: Io): Promise<number> {
  const nft = { env: io.env };
  const log = (l: string): void => logLine(io, l);
  const report = (c: Compiled): Compiled => {
    for (const w of c.warnings) log(w);
    // Without --strict an error costs only its line or rule, as in pve-firewall: say so.
    for (const e of c.errors) log(opts.strict ? e : `${e} (skipped)`);
    return c;
  };
  if (opts.dryRun) {
    const compiled = report(await compileTree(opts, io));
    if (compiled.script === undefined) return EXIT.errors;
    const preview = await previewApply(compiled.script, nft);
    if (preview.kind === 'refused') {
      log(`error: ${preview.message}`);
      return EXIT.refused;
    }
    if (preview.note) log(`note: ${preview.note}`);
    io.stdout(preview.diff === '' ? 'no changes\n' : preview.diff);
    return EXIT.ok;
  }
  let input: apply.ApplyInput;
  try {
    const prepared = await prepareTree(opts, io, true);
    input = {
      inputDigest: inputDigest(prepared, opts),
      compile: async () => report(await compilePrepared(prepared, opts, io)),
    };
  } catch (e) {
    // /etc/pve unreadable (pmxcfs down): like pve-firewall, keep the running ruleset and say why.
    if (!(e instanceof LoadError)) throw e;
    log(`error: ${e.message}`);
    const failed: apply.Compiled = {
      script: undefined,
      enabled: null,
      warnings: [],
      errors: [`error: ${e.message}`],
      guests: [],
    };
    input = { inputDigest: undefined, compile: async () => failed };
  }
  try {
    const outcome = await apply.applyRuleset(input, {
      ...nft,
      stateDir: stateDir(io.env),
      lockTimeoutMs: waitMs(opts.wait),
      log,
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

type KernelStatus = 'in-sync' | 'pending' | 'drift' | 'not-loaded' | 'unknown';

async function runStatus(opts: TreeFlags & { json?: boolean }, io: Io): Promise<number> {
  const compiled = await compileTree(opts, io);
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
  const kernel: KernelStatus =
    kernelDigest === null
      ? 'unknown'
      : state?.configDigest === configDigest && state?.kernelDigest === kernelDigest
        ? 'in-sync'
        : state?.configDigest === configDigest
          ? 'drift'
          : !loaded
            ? 'not-loaded'
            : 'pending';
  const { guests, enabled } = compiled;
  if (opts.json) {
    io.stdout(
      `${JSON.stringify({ enabled, kernel, pendingChanges: kernel !== 'in-sync', kernelError, configDigest, kernelDigest, lastRun: state?.lastRun ?? null, lastChange: state?.lastChange ?? null, warnings: state?.warnings ?? [], errors: state?.errors ?? [], guests }, null, 2)}\n`,
    );
    return EXIT.ok;
  }
  const say = (l: string): void => io.stdout(`${l}\n`);
  say(
    `firewall: ${enabled === null ? 'unknown (the config does not compile)' : enabled ? 'enabled' : 'disabled'}`,
  );
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
  say(
    `last run: ${state ? `${state.lastRun.time} ${state.lastRun.result} (${state.lastRun.durationMs} ms)` : 'never (since boot)'}`,
  );
  say(
    `last change: ${state?.lastChange ? `${state.lastChange.time} ${state.lastChange.result}` : 'never (since boot)'}`,
  );
  for (const d of [...(state?.warnings ?? []), ...(state?.errors ?? [])]) say(d);
  for (const g of guests) {
    const nics =
      g.filtered.length > 0 ? `filtered ${g.filtered.join(', ')}` : 'no NIC with firewall=1';
    say(
      `guest ${g.vmid} (${g.type}): firewall ${g.enabled ? 'on' : 'off'}, in ${g.policyIn}, out ${g.policyOut}, ${nics}`,
    );
  }
  return EXIT.ok;
}
