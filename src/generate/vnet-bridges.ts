// A VNet file filters the bridge named like the VNet; one whose bridge this node does not have
// (or cannot have: not an interface name) filters nothing, and the user is told where. The VNet is
// still compiled when the name is valid: its bridge may appear later (SDN applies a new VNet
// after the firewall has loaded), and its map entry matches nothing until then.
import type { Span } from '../diag/span.js';
import type { Link } from '../load/links.js';
import type * as ir from '../resolve/ir.js';

/** Linux interface names: at most 15 bytes (IFNAMSIZ - 1); SDN VNet ids are shorter still. */
export const BRIDGE_NAME = /^[A-Za-z][A-Za-z0-9_]{0,14}$/;

/** Warns for each enabled VNet whose bridge is missing (when the links are known) or whose name
 * cannot be a bridge; the latter is disabled (nothing could match it). */
export function checkVnetBridges(
  config: ir.Config,
  links: readonly Link[] | null,
  warn: (span: Span, message: string) => void,
): void {
  const known = links === null ? null : new Set(links.map((l) => l.ifname));
  for (const v of config.vnets) {
    if (!v.enabled) continue;
    if (!BRIDGE_NAME.test(v.name)) {
      warn(
        v.origin,
        `VNet '${v.name}' cannot be a bridge name (a letter, then at most 14 letters, digits ` +
          'or _): its firewall rules apply to nothing',
      );
      v.enabled = false;
    } else if (known !== null && !known.has(v.name)) {
      warn(
        v.origin,
        `VNet '${v.name}' has no bridge on this node: its firewall rules apply to nothing ` +
          `until a bridge '${v.name}' exists`,
      );
    }
  }
}
