// `fwgen check FILE…`: flags in, diagnostics out. The pipeline is src/check.ts.
import { Option, type Command } from 'commander';
import { CHECK_SCOPES, checkFiles, checkTarget, type CheckScope } from '../check.js';
import { renderAll, toJson } from '../diag/render.js';
import { EXIT, UsageError, type Io } from './io.js';
import { summary } from './print.js';

const CHECK_HELP = `
Scopes come from the file name unless --scope is given: cluster.fw → cluster, host.fw → host,
<vmid>.fw → guest, sdn/firewall/*.fw → vnet, qemu-server/*.conf → qemu, lxc/*.conf → lxc,
corosync.conf → corosync, sdn/.running-config and pve-ipam-state.json (ipam.db) → SDN.
'-' reads standard input and needs --scope.

Output (stdout): the diagnostics, compiler style (path:line:col: severity: message [code]),
then one summary line such as '2 errors, 1 warning'; nothing at all when the files are clean.
With --json: a JSON array of diagnostics (file, range, severity, code, message, notes), always.

Exit status: 0 no errors (warnings allowed), 1 errors, 2 usage error.

Example: fwgen check --root fixtures/datacenter fixtures/datacenter/firewall/100.fw`;

interface CheckFlags {
  root?: string;
  scope?: CheckScope;
  json?: boolean;
}

export function addCheckCommand(program: Command, io: Io, setStatus: (code: number) => void): void {
  program
    .command('check')
    .description('check firewall files (.fw) and guest configs (.conf) without compiling')
    .argument('<file...>', "files to check, '-' for standard input")
    .option(
      '--root <dir>',
      'a /etc/pve tree whose firewall/cluster.fw and SDN files (+sdn/ ipsets) the files see',
    )
    .addOption(
      new Option('--scope <scope>', 'what the files are (default: from their names)').choices(
        CHECK_SCOPES,
      ),
    )
    .option('--json', 'print diagnostics as a JSON array')
    .addHelpText('after', CHECK_HELP)
    .action(async (files: string[], opts: CheckFlags) =>
      setStatus(await runCheck(files, opts, io)),
    );
}

async function runCheck(files: string[], opts: CheckFlags, io: Io): Promise<number> {
  const targets = files.map((name) => {
    const target = checkTarget(name, opts.scope);
    if (target !== undefined) return { name, target };
    throw new UsageError(
      name === '-'
        ? 'reading standard input needs --scope (cluster, host, guest, vnet, qemu or lxc)'
        : `cannot tell what '${name}' is from its name; use --scope cluster|host|guest|vnet|qemu|lxc`,
    );
  });
  const diags = await checkFiles(targets, opts.root, io);
  const list = diags.sorted();
  if (opts.json) io.stdout(`${JSON.stringify(list.map(toJson), null, 2)}\n`);
  else if (list.length > 0) io.stdout(`${renderAll(list)}${summary(list)}\n`);
  return diags.hasErrors ? EXIT.errors : EXIT.ok;
}
