// The fwgen command line: parse arguments, call load/compile, print, return an exit code. Only
// wires; all output goes through `io` (tests pass fakes). No colours: the output ends up in journald.
// Each command lives in its own module; this one builds the program and maps failures to exits.
import { Command, CommanderError } from 'commander';
import { LoadError } from '../load/load-tree.js';
import { addApplyCommands } from './apply-commands.js';
import { addCheckCommand } from './check-command.js';
import { addCompileCommand } from './compile-command.js';
import { addDoctorCommand } from './doctor-command.js';
import { EXIT, UsageError, type Io } from './io.js';
import { addSimulateCommand } from './simulate-command.js';
import { addStatusCommand } from './status-command.js';
import { version } from './version.js';

export { EXIT, nodeIo, type Io } from './io.js';

export async function main(argv: string[], io: Io): Promise<number> {
  let status: number = EXIT.ok;
  const setStatus = (code: number): void => {
    status = code;
  };
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

  addCheckCommand(program, io, setStatus);
  addCompileCommand(program, io, setStatus);
  addApplyCommands(program, io, setStatus);
  addStatusCommand(program, io, setStatus);
  addDoctorCommand(program, io, setStatus);
  addSimulateCommand(program, io, setStatus);

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
