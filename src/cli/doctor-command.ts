// `fwgen doctor [--json]`: why fwgen's decisions might not take effect on this host. Loads the
// config like compile does, reads the live system (doctor/gather-facts.ts), prints the findings
// of doctor/diagnose-host.ts. Exit 0 when nothing blocks, 1 when something does.
import type { Command } from 'commander';
import type { DoctorConfig, HostFacts } from '../doctor/diagnose-host.js';
import type { Finding } from '../doctor/finding.js';
import { DEFAULT_TABLE_NAME } from '../generate/names.js';
import { loadInventory } from '../load/load-inventory.js';
import { nowOf, type Io } from './io.js';
import {
  addInventoryOptions,
  INVENTORY_HELP,
  nodeName,
  type InventoryFlags,
} from './inventory-options.js';

const DOCTOR_HELP = `
Reads the running ruleset (nft -j list ruleset), sysctls and services, and the config, and
explains what will keep fwgen's decisions from taking effect: a base chain of another table on
the same hook that drops what fwgen accepts (a packet must be accepted by every base chain of
its hook, in every table), iptables-legacy rules, br_netfilter, missing kernel features,
ip_forward, pve-firewall/proxmox-firewall. Each finding says what to do. Changes nothing.
${INVENTORY_HELP}

Exit status: 0 nothing blocks (warnings allowed), 1 something blocks, 2 usage error.`;

export interface DoctorFlags extends InventoryFlags {
  node?: string;
  json?: boolean;
}

export interface DoctorDeps {
  gatherFacts(env: Record<string, string | undefined>): Promise<HostFacts>;
}

export function addDoctorCommand(
  program: Command,
  io: Io,
  setStatus: (code: number) => void,
  deps: DoctorDeps = {
    gatherFacts: async (env) => (await import('../doctor/gather-facts.js')).gatherFacts({ env }),
  },
): void {
  addInventoryOptions(program.command('doctor'))
    .description("explain what keeps fwgen's rules from taking effect on this host")
    .option('--root <dir>', 'the /etc/pve tree (pve inventory)', '/etc/pve')
    .option('--node <name>', 'the node (default: the short host name)')
    .option('--json', 'print the findings as JSON')
    .addHelpText('after', DOCTOR_HELP)
    .action(async (opts: DoctorFlags) => setStatus(await runDoctor(opts, io, deps)));
}

export async function runDoctor(opts: DoctorFlags, io: Io, deps: DoctorDeps): Promise<number> {
  const inv = await loadInventory(opts, nodeName(opts, io), { reader: io, env: io.env });
  // Loaded on use, like compile: the other commands never need the doctor.
  const [{ compile }, { diagnoseHost }, { compareFindings }, { renderFindings }] =
    await Promise.all([
      import('../compile.js'),
      import('../doctor/diagnose-host.js'),
      import('../doctor/finding.js'),
      import('../doctor/render-findings.js'),
    ]);
  const result = compile(inv.sources, {
    format: 'nft',
    localNetwork: [],
    now: nowOf(io),
    serviceBridges: inv.serviceBridges,
  });
  const name = (vmid: number): string => inv.guestNames.get(vmid) ?? String(vmid);
  const config: DoctorConfig = {
    tableName: DEFAULT_TABLE_NAME,
    nics: (result.config?.enabled ? result.config.guests : [])
      .filter((g) => g.options.enable)
      .flatMap((g) =>
        g.nics
          .filter((n) => n.firewall && n.bridge !== null)
          .map((n) => ({ guest: name(g.vmid), device: n.device, bridge: n.bridge! })),
      ),
    serviceBridges: inv.serviceBridges,
    routedBridges: inv.routedBridges,
  };
  const findings: Finding[] = diagnoseHost(await deps.gatherFacts(io.env), config);
  const errors = [...inv.diagnostics, ...result.diagnostics].filter(
    (d) => d.severity === 'error',
  ).length;
  if (errors > 0)
    findings.push({
      severity: 'warn',
      code: 'config-errors',
      where: null,
      message:
        `the config has ${errors} error${errors === 1 ? '' : 's'}: ` +
        'the lines in error are left out of the ruleset',

      fix: 'run fwgen compile (same options) to see them',
    });
  for (const d of inv.diagnostics.filter((x) => x.severity === 'warning')) {
    findings.push({
      severity: 'warn',
      code: d.code,
      where: null,
      message: d.span ? `${d.span.file.path}: ${d.message}` : d.message,
      fix: null,
    });
  }
  findings.sort(compareFindings);
  const blocks = findings.some((f) => f.severity === 'block');
  if (opts.json) io.stdout(`${JSON.stringify({ ok: !blocks, findings }, null, 2)}\n`);
  else io.stdout(renderFindings(findings));
  return blocks ? 1 : 0;
}
