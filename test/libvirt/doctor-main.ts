// Entry for the bundle the libvirt lab runs as `fwgen doctor` (main.ts wires the same command;
// bundling this keeps the lab independent of main.ts and of a build of dist/).
import { Command } from 'commander';
import { addDoctorCommand } from '../../src/cli/doctor-command.js';
import type { Io } from '../../src/cli/main.js';
import { nodeReader } from '../../src/load/file-reader.js';

const io = {
  ...nodeReader,
  stdout: (s: string) => void process.stdout.write(s),
  stderr: (s: string) => void process.stderr.write(s),
  env: process.env,
} as unknown as Io;
let status = 0;
const program = new Command('fwgen').exitOverride();
addDoctorCommand(program, io, (code) => {
  status = code;
});
await program.parseAsync(process.argv.slice(2), { from: 'user' });
process.exitCode = status;
