// compile: the pure pipeline, sources → ruleset text/JSON + diagnostics. No I/O, no clock (the
// caller passes `now`). Policy is pve-firewall's: a bad line or rule is dropped with a diagnostic
// and the rest still compiles; `strict` withholds the ruleset when any error exists.
import { desiredKernelSettings, type KernelSetting } from './apply/kernel-settings.js';
import { compareDiagnostics, Diagnostics, type Diagnostic } from './diag/diagnostic.js';
import type { SourceFile } from './diag/span.js';
import { generateRuleset } from './generate/generate-ruleset.js';
import { translateLinkNames } from './generate/link-names.js';
import { checkVnetBridges } from './generate/vnet-bridges.js';
import type { Link } from './load/links.js';
import type { CompileSources, DomainGuestSource } from './load/sources.js';
import { emitJson } from './nft/emit-json.js';
import { emitText } from './nft/emit-text.js';
import type * as nft from './nft/model.js';
import type { GuestInput, ResolveInput } from './resolve/input.js';
import type * as ir from './resolve/ir.js';
import { resolveConfig } from './resolve/resolve-config.js';
import type * as ast from './syntax/ast.js';
import { parseFile } from './syntax/parse.js';
import { parseGuestConf } from './syntax/parse-guest-conf.js';

export type { CompileSources } from './load/sources.js';

export interface CompileOptions {
  format: 'nft' | 'json';
  /** Detected or `--localnet`; the cluster alias `local_network` still wins (resolver). */
  localNetwork: ir.Cidr[];
  /** Unix seconds, for the cluster `enable: <timestamp>` anti-lockout window. */
  now: number;
  /** No ruleset when any error exists (default: pve-firewall's best effort). */
  strict?: boolean;
  /** Bridges whose guests may reach libvirt's dnsmasq (DHCP/DNS) through the host table
   * (generate/libvirt-services.ts); the libvirt inventory passes its networks' bridges. */
  serviceBridges?: readonly string[];
  /** The inventory's own findings (libvirt XML): returned with compile's, and count for `strict`. */
  inventoryDiagnostics?: readonly Diagnostic[];
  /** The node's links (`ip -j link`): host rules' altnames become primary names, unknown names
   * are reported (generate/link-names.ts). Absent: names are used as written, unchecked. */
  links?: readonly Link[] | null;
  /** nft text only: guest chains are written to text as they are built (peak memory at 10,000
   * guests, generate/streamed-chains.ts), and `script` is then absent. Off for apply, status and
   * simulate: they need the whole model (incremental apply diffs it). */
  streamGuestChains?: boolean;
}

export interface CompileResult {
  /** nft text (`format: 'nft'`) or the libnftables JSON document; absent when withheld. */
  ruleset?: string | object;
  /** The nft model `ruleset` was emitted from (apply diffs it against the last one loaded). */
  script?: nft.Script;
  config?: ir.Config;
  /** Sorted by file and position. */
  diagnostics: Diagnostic[];
  /** Kernel settings (sysctls, pvefw-logger's flag file) `apply` enforces after loading the
   * ruleset; empty when the cluster firewall is off: pve-firewall then writes none either. */
  settings: KernelSetting[];
}

export function compile(sources: CompileSources, options: CompileOptions): CompileResult {
  const diags = new Diagnostics();
  let input: ResolveInput | null = parseSources(sources, options, diags);
  const config = translateLinkNames(
    resolveConfig(input, diags, { reportSkipped: true }),
    options.links ?? null,
    (span, message) => diags.warning('unknown-interface', span, message),
  );
  checkVnetBridges(config, options.links ?? null, (span, message) =>
    diags.warning('vnet-no-bridge', span, message),
  );
  // The syntax trees are garbage from here on; say so, so a large tree's AST is not kept alive
  // through generation (what is live there decides peak memory).
  // eslint-disable-next-line no-useless-assignment -- dropped for the garbage collector
  input = null;

  // The one place that decides `strict`: any error, the inventory's included, withholds the ruleset.
  const inventory = options.inventoryDiagnostics ?? [];
  const withheld = (): boolean =>
    options.strict === true && (diags.hasErrors || inventory.some((d) => d.severity === 'error'));
  const done = (ruleset?: string | object, script?: nft.Script): CompileResult => ({
    ...(ruleset === undefined ? {} : { ruleset }),
    ...(script === undefined ? {} : { script }),
    config,
    diagnostics: [...inventory, ...diags.sorted()].sort(compareDiagnostics),
    settings: kernelSettings(config),
  });
  if (withheld()) return done();
  const { script, warnings, streamed } = generateRuleset(config, {
    serviceBridges: options.serviceBridges,
    // Text: guest chains are written out as they are built (peak memory at 10,000 guests).
    streamGuestChains: options.format === 'nft' && options.streamGuestChains === true,
  });
  for (const w of warnings)
    diags.warning(
      w.code,
      w.span ?? undefined,
      w.span || w.where === null ? w.message : `${w.where}: ${w.message}`,
    );
  if (withheld()) return done();
  // Names were checked by the resolver; an emitter refusal here is a bug and surfaces as one.
  if (streamed === undefined)
    return done(options.format === 'json' ? emitJson(script) : emitText(script), script);
  const ruleset = emitText(script, { chainText: (t, c) => streamed.text(t, c) });
  streamed.assertAllWritten();
  // The script's guest chains are stand-ins: no model to hand out.
  return done(ruleset);
}

/** From the resolved host options (defaults included). PF writes them in apply_ruleset, which
 * runs only when the cluster firewall is enabled; host `enable: 0` still runs it. */
function kernelSettings(config: ir.Config): KernelSetting[] {
  if (!config.enabled) return [];
  const o = config.host.options;
  return desiredKernelSettings({
    nf_conntrack_max: o.nfConntrackMax,
    nf_conntrack_tcp_timeout_established: o.nfConntrackTcpTimeoutEstablished,
    nf_conntrack_tcp_timeout_syn_recv: o.nfConntrackTcpTimeoutSynRecv,
    log_nf_conntrack: o.logNfConntrack,
  });
}

function parseSources(
  sources: CompileSources,
  options: CompileOptions,
  diags: Diagnostics,
): ResolveInput {
  const parse = (f: SourceFile | null): ast.ConfigFile | null => (f ? parseFile(f, diags) : null);
  const guests = lazyGuestFiles(sources, diags);
  return {
    cluster: parse(sources.cluster),
    host: parse(sources.host),
    guests,
    corosync: sources.corosync ? corosync(sources.corosync, diags) : null,
    // `sdn/firewall/<vnet>.fw`: the base name is the VNet id, which is its bridge's name.
    vnets: (sources.vnets ?? []).map((f) => ({
      name: f.path.replace(/^.*\//, '').replace(/\.fw$/, ''),
      fw: parseFile(f, diags),
    })),
    nodeName: sources.node,
    localNetwork: options.localNetwork,
    now: options.now,
    ...(sources.sdn ? { sdn: sdnInventory(sources.sdn, diags) } : {}),
  };
}

/**
 * The guests, each `.fw` parsed when the resolver reads it: the resolver takes one guest at a time,
 * so only that guest's syntax tree is alive, not 10,000 of them (they were compile's peak memory
 * with the resolver's output, docs/decisions.md). The last tree is kept for the resolver's next
 * read of the same guest; a later read parses again, its diagnostics already reported. Guest
 * configs are parsed up front: they are small, and a guest without a .fw still has its config
 * checked.
 */
function lazyGuestFiles(sources: CompileSources, diags: Diagnostics): GuestInput[] {
  let last: { file: SourceFile; tree: ast.ConfigFile } | null = null;
  const reported = new WeakSet<SourceFile>();
  const parsed = (file: SourceFile): ast.ConfigFile => {
    if (last?.file !== file) {
      last = { file, tree: parseFile(file, reported.has(file) ? new Diagnostics() : diags) };
      reported.add(file);
    }
    return last.tree;
  };
  return sources.guests.map((g) => {
    const file = g.fw;
    return {
      vmid: g.vmid,
      type: g.type,
      conf: 'conf' in g ? parseGuestConf(g.conf, g.type, diags) : domainConf(g),
      get fw(): ast.ConfigFile | null {
        return file === null ? null : parsed(file);
      },
    };
  });
}

/** Parsed once by load (local-network detection needs it first); its diagnostics join here. */
function corosync(
  source: NonNullable<CompileSources['corosync']>,
  diags: Diagnostics,
): ast.CorosyncConf {
  diags.push(...source.diagnostics);
  return source.conf;
}

/** Parsed once by load, like corosync.conf; its diagnostics join here. */
function sdnInventory(
  source: NonNullable<CompileSources['sdn']>,
  diags: Diagnostics,
): NonNullable<ResolveInput['sdn']> {
  diags.push(...source.diagnostics);
  return source.inventory;
}

/** A libvirt guest's NICs as the guest config the resolver reads: all filtered (firewall=1). */
function domainConf({ domain }: DomainGuestSource): ast.GuestConf {
  const nics = domain.nics.map((n): ast.NicConf => {
    const at = <T>(value: T): ast.Located<T> => ({ value, span: n.span });
    return {
      kind: 'nic',
      span: n.span,
      index: at(n.index),
      model: null,
      mac: n.mac === null ? null : at(n.mac),
      bridge: at(n.bridge),
      firewall: true,
      tag: null,
      ip: null,
      ip6: null,
      device: n.device,
    };
  });
  return { kind: 'guest-conf', file: domain.file, nics };
}
