// `fwgen compile`: flags in, ruleset on stdout, diagnostics on stderr.
import { Option, type Command } from 'commander';
import { renderAll } from '../diag/render.js';
import { EXIT, type Io } from './io.js';
import {
  addInventoryOptions,
  compileInputs,
  INVENTORY_HELP,
  loadTreeInputs,
  type TreeFlags,
} from './inventory-options.js';
import { summary } from './print.js';

const COMPILE_HELP = `
The ruleset goes to stdout; diagnostics and a summary line go to stderr. As pve-firewall does,
an invalid line or rule is left out with an error and the rest is compiled; with --strict no
ruleset is printed when any error exists.

Exit status: 0 ok (warnings allowed), 1 config errors, 2 usage error, 70 internal error.

Example: fwgen compile --root fixtures/datacenter --node pve1 --localnet 192.0.2.0/24`;

interface CompileFlags extends TreeFlags {
  format: 'nft' | 'json';
}

export function addCompileCommand(
  program: Command,
  io: Io,
  setStatus: (code: number) => void,
): void {
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
    .action(async (opts: CompileFlags) => setStatus(await runCompile(opts, io)));
}

async function runCompile(opts: CompileFlags, io: Io): Promise<number> {
  const inputs = await loadTreeInputs(opts, io);
  const result = await compileInputs(inputs, opts.format, opts.strict === true, io, true);
  if (result.diagnostics.length > 0)
    io.stderr(`${renderAll(result.diagnostics)}${summary(result.diagnostics)}\n`);
  if (result.ruleset !== undefined) {
    writeInPieces(
      typeof result.ruleset === 'string'
        ? result.ruleset
        : `${JSON.stringify(result.ruleset, null, 2)}\n`,
      io,
    );
  }
  return result.diagnostics.some((d) => d.severity === 'error') ? EXIT.errors : EXIT.ok;
}

/** Written whole, a 100 MB ruleset (10,000 guests) is first copied into one buffer of its size;
 * in pieces of whole lines (never half a UTF-16 pair) the copy costs a megabyte at a time. */
function writeInPieces(text: string, io: Io): void {
  const PIECE = 1 << 20;
  for (let at = 0; at < text.length;) {
    let end = at + PIECE;
    if (end < text.length) {
      const nl = text.lastIndexOf('\n', end);
      end = nl >= at ? nl + 1 : text.indexOf('\n', end) + 1 || text.length;
    }
    io.stdout(text.slice(at, end));
    at = end;
  }
}
