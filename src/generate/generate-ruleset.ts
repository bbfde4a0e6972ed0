// ir.Config → nft.Script: the two tables fwgen owns, each replaced atomically (`add table`,
// `delete table`, `table … { }` in one transaction, docs/reference.md §nft-atomic-replace), or only
// removed (`add` + `delete`) when it has nothing to do. Other tables on the machine are never
// touched.
import type * as ir from '../resolve/ir.js';
import type * as nft from '../nft/model.js';
import { guestTable } from './guest-table.js';
import { bridgeForwardParts, withBridgeForward } from './vnet-chains.js';
import { hoistSharedSets } from './hoist-sets.js';
import { hostTable } from './host-table.js';
import { addLibvirtServices } from './libvirt-services.js';
import { DEFAULT_TABLE_NAME } from './names.js';
import { withPreroutingProtections } from './prerouting-protections.js';
import { reachability } from './reachability.js';
import { StreamedChains } from './streamed-chains.js';
import type { GenerateWarning, WarningSink } from './warning.js';

export type { GenerateWarning } from './warning.js';

export interface GenerateOptions {
  /** Name of both tables (`inet` and `bridge`); default `fwgen`. */
  tableName?: string;
  /** inet `input` base chain priority; default 0 (filter). */
  inputPriority?: number;
  /** inet `output` base chain priority; default 0 (filter). */
  outputPriority?: number;
  /** inet `forward` base chain priority; default 0 (filter). */
  forwardPriority?: number;
  /** bridge `forward` priority; default -150: before br_netfilter's forward hook (-1), which
   * runs the inet forward chain, so the bridged mark is set first. */
  bridgeForwardPriority?: number;
  /** bridge `prerouting` priority; default -150: must be above -200, where bridge conntrack runs
   * (docs/reference.md §nft-bridge-conntrack). */
  preroutingPriority?: number;
  /** bridge `postrouting` priority; default -150. */
  postroutingPriority?: number;
  /** libvirt bridges whose guests may reach libvirt's dnsmasq (libvirt-services.ts); default
   * none. */
  serviceBridges?: readonly string[];
  /** Write the guest chains to text as they are built, so that a large table's model is never
   * alive all at once (streamed-chains.ts); the result's `streamed` then holds their text, and
   * emitText needs it. For `nft -f` text only. */
  streamGuestChains?: boolean;
}

export interface GenerateResult {
  script: nft.Script;
  /** What the generator worked around (skipped rules, inbound REJECT carried out as DROP…), in
   * generation order (deterministic). */
  warnings: GenerateWarning[];
  /** With `streamGuestChains`: the guest chains' text; the script's bridge table holds stand-ins
   * for them (their references only), which emitText replaces by this text. */
  streamed?: StreamedChains;
}

export function generateRuleset(config: ir.Config, opts: GenerateOptions = {}): GenerateResult {
  const name = opts.tableName ?? DEFAULT_TABLE_NAME;
  const warnings: GenerateWarning[] = [];
  const warn: WarningSink = (w) => warnings.push(w);
  const inetRef: nft.TableRef = { family: 'inet', name };
  const bridgeRef: nft.TableRef = { family: 'bridge', name };
  const commands: nft.Command[] = [];
  const replace = (ref: nft.TableRef, table: nft.Table | null): void => {
    commands.push({ kind: 'add-table', table: ref }, { kind: 'delete-table', table: ref });
    if (table !== null) commands.push({ kind: 'define-table', table });
  };

  if (!config.enabled) {
    replace(inetRef, null);
    replace(bridgeRef, null);
    return { script: { commands }, warnings };
  }
  const hostBuilt = config.host.options.enable
    ? hostTable(
        config,
        {
          name,
          inputPriority: opts.inputPriority ?? 0,
          outputPriority: opts.outputPriority ?? 0,
          forwardPriority: opts.forwardPriority ?? 0,
        },
        warn,
      )
    : null;
  const streamed = opts.streamGuestChains ? new StreamedChains() : undefined;
  // VNets and the bridged mark join the guests' table (vnet-chains.ts); they only add chains, sets
  // and maps after the streamed guest chains, never touch those (stand-ins once streamed).
  const guestsBuilt = withBridgeForward(
    guestTable(
      config,
      {
        name,
        preroutingPriority: opts.preroutingPriority ?? -150,
        postroutingPriority: opts.postroutingPriority ?? -150,
      },
      warn,
      streamed && ((chains) => streamed.add(chains)),
    ),
    { name },
    bridgeForwardParts(config, {
      bridgedMark: hostBuilt?.forward ?? false,
      priority: opts.bridgeForwardPriority ?? -150,
    }),
  );
  // Reachability runs on the table as built; hoisting only renames set lookups.
  if (guestsBuilt !== null) reachability(guestsBuilt);
  const host = hostBuilt === null ? null : hoistSharedSets(hostBuilt.table);
  // After hoisting: the allowances' bridge lists stay inline, as they always were.
  if (hostBuilt !== null && opts.serviceBridges?.length)
    addLibvirtServices(hostBuilt.serviceAnchor, opts.serviceBridges);
  const guests = guestsBuilt === null ? null : hoistSharedSets(guestsBuilt, streamed?.lists);
  // SYN-flood meter and conntrack helpers: in both tables, even when host `enable` is off or no
  // guest is filtered (prerouting-protections.ts).
  replace(inetRef, withPreroutingProtections(host, { family: 'inet', name }, config.host.options));
  replace(
    bridgeRef,
    withPreroutingProtections(guests, { family: 'bridge', name }, config.host.options),
  );
  return { script: { commands }, warnings, ...(streamed ? { streamed } : {}) };
}
