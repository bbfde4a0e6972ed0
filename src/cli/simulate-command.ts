// `fwgen simulate`: what the compiled ruleset does with one described packet, and which config
// line decided (src/simulate). Compiles like `compile`, evaluates the same nft model the emitter
// printed (checked: the text must be identical), prints the explanation. Never needs root, except
// --against-kernel, which also sends the real packet in throw-away namespaces.
import { Option, type Command } from 'commander';
import { renderAll } from '../diag/render.js';
import type * as ir from '../resolve/ir.js';
import { EXIT, UsageError, type Io } from './io.js';
import {
  addInventoryOptions,
  compileInputs,
  INVENTORY_HELP,
  loadTreeInputs,
  type TreeFlags,
} from './inventory-options.js';
import { summary } from './print.js';

const SIMULATE_HELP = `
Zones: host, outside (the uplink port, vmbr0/eth0), vm<ID>, ct<ID>, vm<ID>/net<N>, and
BRIDGE/PORT for any other bridge port. Defaults as pve-firewall's simulate: --from outside
--to host, tcp; sport ${40000}, dport ${22}. A guest's address comes from its config or ipfilter
set; outside is 198.51.100.1 / 2001:db8:ffff::1; the host has the first address of each local
network unless --host-ip says otherwise. The packet is the first of a new connection unless
--established. Limits count as within their rate; log and counter do nothing.

The output names each rule the packet met and the config line it came from; the last line is
'ACTION: ACCEPT|DROP|REJECT' as pve-firewall prints it.

Exit status: 0 a verdict was computed (whatever it is), 1 config errors withheld the ruleset,
2 usage error (an unknown zone lists the known ones).
${INVENTORY_HELP}

Example: fwgen simulate --root fixtures/lab --node pve1 --from outside --to vm100 --dport 22`;

interface SimulateFlags extends TreeFlags {
  from: string;
  to: string;
  protocol: string;
  dport?: string;
  sport?: string;
  source?: string;
  dest?: string;
  smac?: string;
  dmac?: string;
  ifaceIn?: string;
  hostIp?: string;
  hostMac?: string;
  plumbing: 'direct' | 'fwbr';
  brNetfilter?: boolean;
  established?: boolean;
  verbose?: boolean;
  json?: boolean;
  againstKernel?: boolean;
}

export function addSimulateCommand(
  program: Command,
  io: Io,
  setStatus: (code: number) => void,
): void {
  addInventoryOptions(program.command('simulate'))
    .description('show what the ruleset does with one packet, and which config line decided')
    .option('--root <dir>', 'the /etc/pve tree', '/etc/pve')
    .option('--node <name>', 'the node to compile for (default: the short host name)')
    .option('--localnet <cidr>', 'the local network (default: detected as pve-firewall does)')
    .option('--from <zone>', 'where the packet comes from', 'outside')
    .option('--to <zone>', 'where the packet goes', 'host')
    .option('--protocol <proto>', 'tcp, udp, icmp, icmpv6 or another protocol name', 'tcp')
    .option('--dport <port>', 'destination port, or the icmp/icmpv6 type')
    .option('--sport <port>', 'source port')
    .option('--source <ip>', 'source address (IPv4 or IPv6)')
    .option('--dest <ip>', 'destination address (IPv4 or IPv6)')
    .option('--smac <mac>', 'source MAC')
    .option('--dmac <mac>', "destination MAC (another than the guest's: a flooded frame)")
    .option('--iface-in <port>', 'the bridge port the packet comes in on')
    .option('--host-ip <cidrs>', "the host's addresses, e.g. 192.0.2.1/24,2001:db8::1/64")
    .option('--host-mac <mac>', "the host's MAC on the bridge", '02:00:00:00:00:01')
    .addOption(
      new Option(
        '--plumbing <kind>',
        "how guest ports reach the bridge (fwbr: qemu-server's firewall bridges)",
      )
        .choices(['direct', 'fwbr'])
        .default('direct'),
    )
    .option('--br-netfilter', 'bridged IP frames also pass the IP hooks (br_netfilter loaded)')
    .option('--established', 'a packet of an established connection (default: a new one)')
    .option('--verbose', 'also show the devices and packet type at each hook')
    .option('--json', 'print one JSON object: action, path, decidedBy')
    .option('--against-kernel', 'also send the real packet in throw-away namespaces (root)')
    .addHelpText('after', SIMULATE_HELP)
    .action(async (opts: SimulateFlags) => setStatus(await runSimulate(opts, io)));
}

async function runSimulate(opts: SimulateFlags, io: Io): Promise<number> {
  const inputs = await loadTreeInputs(opts, io);
  const result = await compileInputs(inputs, 'nft', false, io);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) io.stderr(`${renderAll(errors)}${summary(result.diagnostics)}\n`);
  if (result.config === undefined || typeof result.ruleset !== 'string') return EXIT.errors;
  const [{ generateRuleset }, { emitText }, sim, { renderJson, renderText }] = await Promise.all([
    import('../generate/generate-ruleset.js'),
    import('../nft/emit-text.js'),
    import('../simulate/simulate.js'),
    import('../simulate/render.js'),
  ]);
  // The same call compile made; the text check proves the model is what compile printed.
  const { script } = generateRuleset(result.config, { serviceBridges: inputs.serviceBridges });
  if (emitText(script) !== result.ruleset)
    throw new Error('simulate: the model differs from the compiled ruleset');
  const host = { addrs: hostAddrs(opts.hostIp, result.config) };
  const req = {
    from: opts.from,
    to: opts.to,
    protocol: opts.protocol,
    dport: opts.dport,
    sport: opts.sport,
    source: opts.source,
    dest: opts.dest,
    smac: opts.smac,
    dmac: opts.dmac,
    ifaceIn: opts.ifaceIn,
    established: opts.established === true,
    host,
    hostMac: opts.hostMac,
    topology: { plumbing: opts.plumbing, brNetfilter: opts.brNetfilter === true },
  };
  let r;
  try {
    r = sim.simulate(result.config, script, req);
  } catch (e) {
    if (e instanceof sim.ZoneError) throw new UsageError(e.message);
    throw e;
  }
  if (opts.againstKernel === true) {
    const { againstKernel } = await import('../simulate/against-kernel.js');
    const k = await againstKernel(result.ruleset, r, host, {
      plumbing: opts.plumbing,
      brNetfilter: opts.brNetfilter === true,
      hostMac: opts.hostMac ?? '02:00:00:00:00:01',
    }).catch((e: unknown) => {
      throw e instanceof sim.ZoneError ? new UsageError(e.message) : e;
    });
    if (opts.json === true) {
      io.stdout(`${JSON.stringify({ ...renderJson(r), kernel: k }, null, 2)}\n`);
      return EXIT.ok;
    }
    io.stdout(renderText(r, opts.verbose === true).replace(/ACTION: \w+\n$/, ''));
    io.stdout(
      `Kernel: ${k.action} (${k.detail})${k.action === r.action ? ', the same' : ', DIFFERENT'}\n`,
    );
    io.stdout(`ACTION: ${r.action}\n`);
    return EXIT.ok;
  }
  io.stdout(
    opts.json === true
      ? `${JSON.stringify(renderJson(r), null, 2)}\n`
      : renderText(r, opts.verbose === true),
  );
  return EXIT.ok;
}

/** `--host-ip`, else the first address of each local network. */
function hostAddrs(flag: string | undefined, config: ir.Config): ir.Cidr[] {
  if (flag === undefined) return config.localNetwork.map((c) => ({ ...c, addr: firstAddress(c) }));
  return flag.split(',').map((part) => {
    const m = /^([^/]+)\/(\d+)$/.exec(part.trim());
    const family = part.includes(':') ? 6 : 4;
    const len = m ? Number(m[2]) : NaN;
    if (!m || !(len >= 0 && len <= (family === 4 ? 32 : 128)) || !validIp(m[1]!))
      throw new UsageError(
        `invalid --host-ip '${part}', expected an address with its prefix length`,
      );
    return { family, addr: m[1]!, len };
  });
}

function validIp(text: string): boolean {
  return /^[0-9.]+$/.test(text) ? text.split('.').length === 4 : /^[0-9a-fA-F:]+$/.test(text);
}

/** 192.0.2.0/24 → 192.0.2.1; 2001:db8::/64 → 2001:db8::1 */
function firstAddress(c: ir.Cidr): string {
  if (c.family === 6) return c.addr.endsWith('::') ? `${c.addr}1` : c.addr;
  if (c.len >= 31) return c.addr;
  const parts = c.addr.split('.').map(Number);
  parts[3] = (parts[3] ?? 0) + 1;
  return parts.join('.');
}
