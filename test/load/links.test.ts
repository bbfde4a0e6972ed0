// The node's links and host rules' -i names (src/load/links.ts, src/generate/link-names.ts):
// nft's iifname compares the primary name only, so altnames are translated at compile time, and
// names on no link are reported when the links are known.
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/compile.js';
import { sourceFile } from '../../src/diag/span.js';
import { parseLinks, type Link } from '../../src/load/links.js';
import { LoadError } from '../../src/load/load-tree.js';

const LINKS: Link[] = [
  { ifname: 'lo', altnames: [] },
  { ifname: 'eth0', altnames: ['uplink0', 'enp1s0'] },
  { ifname: 'vmbr0', altnames: [] },
  // an altname equal to another link's primary name: the primary name wins
  { ifname: 'eth1', altnames: ['vmbr0'] },
];

function build(hostRules: string, links: Link[] | null | undefined) {
  return compile(
    {
      node: 'pve1',
      cluster: sourceFile('firewall/cluster.fw', '[OPTIONS]\nenable: 1\n'),
      host: sourceFile('nodes/pve1/host.fw', `[OPTIONS]\nenable: 1\n\n[RULES]\n${hostRules}`),
      corosync: null,
      guests: [],
    },
    { format: 'nft', localNetwork: [], now: 0, links },
  );
}

describe('parseLinks', () => {
  it("reads ifname and altnames of 'ip -j link'", () => {
    expect(
      parseLinks(
        '[{"ifindex":1,"ifname":"lo","flags":["UP"]},{"ifname":"eth0","altnames":["uplink0"]}]',
        'x',
      ),
    ).toEqual([
      { ifname: 'lo', altnames: [] },
      { ifname: 'eth0', altnames: ['uplink0'] },
    ]);
  });
  it('refuses what is not its output', () => {
    expect(() => parseLinks('not json', 'links.json')).toThrow(LoadError);
    expect(() => parseLinks('{}', 'links.json')).toThrow(/expected a JSON array/);
    expect(() => parseLinks('[{"name":"eth0"}]', 'links.json')).toThrow(/without 'ifname'/);
  });
});

describe('host rules and the node links', () => {
  it('turns an altname into the primary name, in and out', () => {
    const r = build('IN ACCEPT -i uplink0 -p tcp -dport 22\nOUT ACCEPT -i enp1s0 -p udp\n', LINKS);
    expect(r.diagnostics).toEqual([]);
    expect(r.ruleset).toMatch(/iifname "eth0" tcp dport 22 accept/);
    expect(r.ruleset).toMatch(/oifname "eth0" meta l4proto udp accept/);
    expect(r.ruleset).not.toMatch(/uplink0|enp1s0/);
  });

  it('keeps primary names, also one that is an altname of another link', () => {
    const r = build('IN ACCEPT -i vmbr0 -p tcp -dport 22\n', LINKS);
    expect(r.diagnostics).toEqual([]);
    expect(r.ruleset).toMatch(/iifname "vmbr0" tcp dport 22 accept/);
    expect(r.ruleset).not.toMatch(/eth1/);
  });

  it('reports a name on no link, located, and keeps the rule', () => {
    const r = build('IN ACCEPT -i vmbr9 -p tcp -dport 22\n', LINKS);
    expect(r.diagnostics.map((d) => [d.code, d.severity, d.span?.start.line])).toEqual([
      ['unknown-interface', 'warning', 5],
    ]);
    expect(r.ruleset).toMatch(/iifname "vmbr9" tcp dport 22 accept/);
  });

  it('uses names as written, unchecked, when the links are unknown', () => {
    for (const links of [null, undefined]) {
      const r = build('IN ACCEPT -i uplink0 -p tcp -dport 22\n', links);
      expect(r.diagnostics).toEqual([]);
      expect(r.ruleset).toMatch(/iifname "uplink0" tcp dport 22 accept/);
    }
  });
});
