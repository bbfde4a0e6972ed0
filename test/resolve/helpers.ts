// Test helpers: parse inline config text and resolve it, returning IR and rendered diagnostics.
import { Diagnostics } from '../../src/diag/diagnostic.js';
import { renderAll } from '../../src/diag/render.js';
import type * as ast from '../../src/syntax/ast.js';
import { parseFile } from '../../src/syntax/parse.js';
import { checkFile, resolveConfig } from '../../src/resolve/resolve-config.js';
import type { FileScope, GuestInput, SdnInventory } from '../../src/resolve/input.js';
import type * as ir from '../../src/resolve/ir.js';

export function parse(path: string, text: string, diags: Diagnostics): ast.ConfigFile {
  return parseFile({ path, text }, diags);
}

/** Diagnostics of `check` on one file, rendered. */
export function check(
  text: string,
  scope: FileScope,
  cluster?: string,
  sdn: SdnInventory | null = null,
): string {
  const d = new Diagnostics();
  const file = parse(scope === 'guest' ? '100.fw' : `${scope}.fw`, text, d);
  const c = cluster === undefined ? null : parse('cluster.fw', cluster, new Diagnostics());
  checkFile(file, scope, c, d, sdn);
  return renderAll(d.sorted());
}

export interface TreeText {
  cluster?: string;
  host?: string;
  guests?: { vmid: number; type?: 'qemu' | 'lxc'; nics?: ast.NicConf[]; fw?: string }[];
  /** VNet name -> `sdn/firewall/<name>.fw` text */
  vnets?: Record<string, string>;
  now?: number;
  sdn?: SdnInventory;
}

export function nic(
  index: number,
  mac: string | null,
  firewall = true,
  extra: Partial<ast.NicConf> = {},
): ast.NicConf {
  const file = { path: 'x.conf', text: '' };
  const span = {
    file,
    start: { offset: 0, line: 1, column: 1 },
    end: { offset: 0, line: 1, column: 1 },
  };
  return {
    kind: 'nic',
    span,
    index: { value: index, span },
    model: 'virtio',
    mac: mac ? { value: mac, span } : null,
    bridge: { value: 'vmbr0', span },
    firewall,
    tag: null,
    ip: null,
    ip6: null,
    ...extra,
  };
}

export function resolveTree(t: TreeText): { config: ir.Config; diags: string } {
  const d = new Diagnostics();
  const guests: GuestInput[] = (t.guests ?? []).map((g) => ({
    vmid: g.vmid,
    type: g.type ?? 'qemu',
    conf: {
      kind: 'guest-conf',
      file: { path: `${g.vmid}.conf`, text: '' },
      nics: g.nics ?? [nic(0, 'BC:24:11:00:01:00')],
    },
    fw: g.fw === undefined ? null : parse(`${g.vmid}.fw`, g.fw, d),
  }));
  const config = resolveConfig(
    {
      cluster: t.cluster === undefined ? null : parse('cluster.fw', t.cluster, d),
      host: t.host === undefined ? null : parse('host.fw', t.host, d),
      guests,
      corosync: null,
      vnets: Object.entries(t.vnets ?? {}).map(([name, text]) => ({
        name,
        fw: parse(`sdn/firewall/${name}.fw`, text, d),
      })),
      nodeName: 'pve1',
      localNetwork: [{ family: 4, addr: '192.0.2.0', len: 24 }],
      now: t.now ?? 1_800_000_000,
      ...(t.sdn ? { sdn: t.sdn } : {}),
    },
    d,
  );
  return { config, diags: renderAll(d.sorted()) };
}

export const cidrs = (s: ir.IpSet, f: 4 | 6) =>
  (f === 4 ? s.v4 : s.v6).map((c) => `${c.addr}/${c.len}`);
