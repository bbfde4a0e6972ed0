// Host rules name interfaces with `-i`; nft's iifname/oifname compare the primary name only, so a
// name that is an altname on this node would never match (docs/plumbing-facts.md §4). With the
// node's links known (src/load/links.ts), altnames become primary names here, at compile time,
// and a name that is on no link is reported (the rule stays: an interface may appear later, and
// pve-firewall's `-i` would not match either). Names then go stale when links are renamed, like
// every iifname; the 10 s apply loop recompiles only when the inputs change, so the links are
// part of the inputs (compile-key.ts).
import type { Span } from '../diag/span.js';
import type { Link } from '../load/links.js';
import type * as ir from '../resolve/ir.js';

export function translateLinkNames(
  config: ir.Config,
  links: readonly Link[] | null,
  warn: (span: Span, message: string) => void,
): ir.Config {
  if (links === null) return config;
  const primary = new Map<string, string>();
  for (const l of links) for (const a of l.altnames) primary.set(a, l.ifname);
  for (const l of links) primary.set(l.ifname, l.ifname); // a primary name wins over an altname
  const warned = new Set<string>();
  let changed = false;
  const rules = config.host.rules.map((r) => {
    // FORWARD rules emit nothing (host-table.ts); the resolver admits no wildcard names
    if (r.iface === null || r.direction === 'forward') return r;
    const name = primary.get(r.iface);
    if (name === r.iface) return r;
    if (name !== undefined) {
      changed = true;
      return { ...r, iface: name };
    }
    const key = `${r.origin.file.path}:${r.origin.start.line}:${r.iface}`;
    if (!warned.has(key)) {
      warned.add(key);
      warn(
        r.origin,
        `interface '${r.iface}' is not a name or altname of any link on this node; ` +
          'the rule matches nothing until such an interface exists',
      );
    }
    return r;
  });
  return changed ? { ...config, host: { ...config.host, rules } } : config;
}
