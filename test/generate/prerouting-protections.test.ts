// PF's raw PREROUTING in both tables (SYN-flood meter, conntrack helpers) and the VMID connmark in
// the guest chains: what the generator emits for the options, and that nft accepts it.
import { describe, expect, it } from 'vitest';
import type * as ir from '../../src/resolve/ir.js';
import type * as nft from '../../src/nft/model.js';
import { emitJson } from '../../src/nft/emit-json.js';
import { emitText } from '../../src/nft/emit-text.js';
import { generateRuleset } from '../../src/generate/generate-ruleset.js';
import { canNetns, loadAndList, nftCheckText } from '../nft/netns.js';
import * as b from './ir-builders.js';
import { chainNames, chainRules, gen, tableText } from './text-helpers.js';

const SYN = 'tcp flags & (fin | syn | rst | ack) == syn';

function withHost(over: Partial<ir.HostOptions>, cfg: Partial<ir.Config> = {}): ir.Config {
  return b.config({
    host: { options: b.hostOptions(over), rules: [] },
    guests: [b.guest(100)],
    ...cfg,
  });
}

describe('SYN-flood protection', () => {
  it('off by default: no meter, no sets', () => {
    const { text } = gen(withHost({}));
    expect(text).not.toContain('synflood');
  });

  it('per source in both tables: IPv4 address, IPv6 /64, rate over R/second burst B, drop at -300', () => {
    const { text } = gen(
      withHost({
        protectionSynflood: true,
        protectionSynfloodRate: 25,
        protectionSynfloodBurst: 100,
        nfConntrackTcpTimeoutSynRecv: 30,
      }),
    );
    for (const family of ['inet', 'bridge'] as const) {
      const table = tableText(text, family) ?? '';
      expect(table).toContain(
        [
          '  chain synflood {',
          '    type filter hook prerouting priority -300; policy accept;',
          `    ${SYN} update @synflood_v4 { ip saddr limit rate over 25/second burst 100 packets } drop`,
          `    ${SYN} update @synflood_v6 { ip6 saddr & ffff:ffff:ffff:ffff:: ` +
            'limit rate over 25/second burst 100 packets } drop',
          '  }',
        ].join('\n'),
      );
      for (const [v, type] of [
        [4, 'ipv4_addr'],
        [6, 'ipv6_addr'],
      ] as const)
        expect(table).toContain(
          [
            `  set synflood_v${v} {`,
            `    type ${type}`,
            '    size 2097152',
            '    flags dynamic,timeout',
            '    timeout 30s',
            '  }',
          ].join('\n'),
        );
      // First chain of the table: it runs first on its hook and reads first.
      expect(chainNames(text, family)[0]).toBe('synflood');
    }
  });

  it('PF defaults: 200/second, burst 1000, 60 s; a 0 means the default too (Perl `||`)', () => {
    for (const over of [
      {},
      { protectionSynfloodRate: 0, protectionSynfloodBurst: 0, nfConntrackTcpTimeoutSynRecv: 0 },
    ]) {
      const { text } = gen(withHost({ protectionSynflood: true, ...over }));
      const rules = chainRules(text, 'inet', 'synflood');
      expect(rules[0]).toContain('limit rate over 200/second burst 1000 packets');
      expect(tableText(text, 'inet')).toContain('timeout 60s');
    }
  });

  it('host `enable: 0` keeps the meter (PF builds the raw chain regardless): an inet table of it alone', () => {
    const { text } = gen(withHost({ enable: false, protectionSynflood: true }));
    expect(chainNames(text, 'inet')).toEqual(['synflood']);
  });

  it('no filtered guest: the bridge table still carries the meter for bridged traffic', () => {
    const { text } = gen(withHost({ protectionSynflood: true }, { guests: [] }));
    expect(chainNames(text, 'bridge')).toEqual(['synflood']);
    expect(tableText(text, 'bridge')).not.toContain('map ');
  });

  it('firewall disabled in the cluster: nothing at all', () => {
    const { text } = gen(withHost({ protectionSynflood: true }, { enabled: false }));
    expect(tableText(text, 'inet')).toBeNull();
    expect(tableText(text, 'bridge')).toBeNull();
  });
});

describe('conntrack helpers', () => {
  const all = ['amanda', 'ftp', 'irc', 'netbios-ns', 'pptp', 'sane', 'sip', 'snmp', 'tftp'];

  it('none by default', () => {
    expect(gen(withHost({})).text).not.toContain('helper');
  });

  it('every PF helper: object with its protocol and l3proto, attached to new flows to its port', () => {
    const { text } = gen(withHost({ nfConntrackHelpers: all }));
    const inet = tableText(text, 'inet') ?? '';
    expect(inet).toContain(
      '  ct helper helper_ftp_tcp {\n    type "ftp" protocol tcp\n    l3proto inet\n  }',
    );
    expect(inet).toContain(
      '  ct helper helper_netbios_ns_udp {\n    type "netbios-ns" protocol udp\n    l3proto ip\n  }',
    );
    expect(chainRules(text, 'inet', 'ct_helpers')).toEqual([
      'udp dport 10080 ct state new ct helper set "helper_amanda_udp"',
      'tcp dport 21 ct state new ct helper set "helper_ftp_tcp"',
      'meta nfproto ipv4 tcp dport 6667 ct state new ct helper set "helper_irc_tcp"',
      'meta nfproto ipv4 udp dport 137 ct state new ct helper set "helper_netbios_ns_udp"',
      'meta nfproto ipv4 tcp dport 1723 ct state new ct helper set "helper_pptp_tcp"',
      'tcp dport 6566 ct state new ct helper set "helper_sane_tcp"',
      'udp dport 5060 ct state new ct helper set "helper_sip_udp"',
      'meta nfproto ipv4 udp dport 161 ct state new ct helper set "helper_snmp_udp"',
      'udp dport 69 ct state new ct helper set "helper_tftp_udp"',
    ]);
    // The bridge table: the same objects, IPv4-only helpers by ethertype.
    expect(tableText(text, 'bridge')).toContain('ct helper helper_irc_tcp {');
    expect(chainRules(text, 'bridge', 'ct_helpers')).toContain(
      'meta protocol ip tcp dport 6667 ct state new ct helper set "helper_irc_tcp"',
    );
    const base = (tableText(text, 'inet') ?? '').split('\n');
    const head = base.findIndex((l) => l === '  chain ct_helpers {');
    expect(base[head + 1]).toBe('    type filter hook prerouting priority 0; policy accept;');
  });

  it('a helper never opens its port: no accept anywhere for it, the control port still needs a rule', () => {
    const { text } = gen(withHost({ nfConntrackHelpers: ['ftp'] }));
    for (const family of ['inet', 'bridge'] as const) {
      expect(chainRules(text, family, 'ct_helpers').join('\n')).not.toMatch(/accept|return/);
      expect(tableText(text, family)).not.toMatch(/dport 21 .*accept/);
    }
    // Without the option the rest of the ruleset is the same: the helper only adds its chain.
    const without = gen(withHost({})).text;
    const strip = (t: string): string =>
      t
        .replace(/\n {2}ct helper helper_ftp_tcp \{[^}]*\}\n/g, '')
        .replace(/\n {2}chain ct_helpers \{[^}]*\}\n/g, '');
    expect(strip(text)).toBe(without);
  });

  it('the same helper listed twice is declared once', () => {
    const { text } = gen(withHost({ nfConntrackHelpers: ['tftp', 'tftp'] }));
    expect(chainRules(text, 'inet', 'ct_helpers')).toHaveLength(1);
  });

  it('meter and helpers together: meter first (-300), then helpers (0), then the rest', () => {
    const { text } = gen(withHost({ protectionSynflood: true, nfConntrackHelpers: ['ftp'] }));
    expect(chainNames(text, 'inet').slice(0, 3)).toEqual(['synflood', 'ct_helpers', 'input']);
    expect(chainNames(text, 'bridge').slice(0, 3)).toEqual([
      'synflood',
      'ct_helpers',
      'prerouting',
    ]);
  });
});

describe('VMID connmark', () => {
  it('first rule of every guest chain: out, in, and the prerouting in copy not (it only rejects)', () => {
    const cfg = b.config({
      guests: [
        b.guest(100, {
          nics: [b.nic(100, 0), b.nic(100, 1)],
          options: b.guestOptions({ policyIn: 'REJECT' }),
        }),
        b.guest(101),
      ],
    });
    const { text } = gen(cfg);
    for (const [vmid, nic] of [
      [100, 0],
      [100, 1],
      [101, 0],
    ] as const) {
      expect(chainRules(text, 'bridge', `g${vmid}_net${nic}_out`)[0]).toBe(`ct mark set ${vmid}`);
      expect(chainRules(text, 'bridge', `g${vmid}_net${nic}_in`)[0]).toBe(`ct mark set ${vmid}`);
    }
    expect(chainRules(text, 'bridge', 'g100_net0_in_pre').join('\n')).not.toContain('ct mark');
    // The host table never marks.
    expect(tableText(text, 'inet')).not.toContain('ct mark');
  });
});

describe.skipIf(!canNetns)('nft accepts it (fresh network namespace)', () => {
  const cfg = withHost(
    { enable: true, protectionSynflood: true, nfConntrackHelpers: ['ftp', 'irc', 'sip'] },
    { guests: [] },
  );
  const script = generateRuleset(cfg).script;
  // This kernel has no bridge conntrack: the inet table only (the kernel lab loads both).
  const inetOnly = {
    commands: script.commands.filter((c) => c.table.family === 'inet'),
  };

  it('text: loads; JSON: loads and lists the same ruleset', () => {
    const text = emitText(inetOnly);
    const r = nftCheckText(text);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const fromText = loadAndList({ text });
    const fromJson = loadAndList({ json: emitJson(inetOnly) });
    expect(fromText.stderr).toBe('');
    expect(fromJson.stderr).toBe('');
    // nft 1.0.6 JSON ignores set comments and auto-merge (emit-json.ts): not ours to compare.
    const same = (listing: string): string =>
      listing.replace(/^\s+(auto-merge|comment ".*")\n/gm, '');
    expect(same(fromJson.stdout)).toBe(same(fromText.stdout));
    expect(fromText.stdout).toContain('update @synflood_v6 { ip6 saddr & ffff:ffff:ffff:ffff::');
    expect(fromText.stdout).toContain('flags dynamic,timeout');
  });
});

describe('the emitters refuse broken references (generator bugs)', () => {
  const table = (stmt: nft.Stmt, dynamic: boolean): nft.Script => ({
    commands: [
      {
        kind: 'define-table',
        table: {
          family: 'inet',
          name: 't',
          ctHelpers: [{ name: 'h', type: 'ftp', protocol: 'tcp', l3proto: 'inet' }],
          sets: [
            {
              name: 's',
              type: 'ipv4_addr',
              interval: false,
              elements: [],
              ...(dynamic ? { dynamic: { timeout: 60 } } : {}),
            },
          ],
          maps: [],
          chains: [{ name: 'c', rules: [{ stmts: [stmt] }] }],
        },
      },
    ],
  });
  const update = (set: string): nft.Stmt => ({
    kind: 'set-update',
    set,
    key: { kind: 'payload', proto: 'ip', field: 'saddr' },
  });

  it('update of a missing or static set, a key of the wrong type, an unknown helper', () => {
    expect(emitText(table(update('s'), true))).toContain('update @s { ip saddr }');
    expect(() => emitText(table(update('s'), false))).toThrow(/not a dynamic set/);
    expect(() => emitJson(table(update('x'), true))).toThrow(/not a dynamic set/);
    const v6key: nft.Stmt = {
      kind: 'set-update',
      set: 's',
      key: { kind: 'payload', proto: 'ip6', field: 'saddr' },
    };
    expect(() => emitText(table(v6key, true))).toThrow(/key of ipv6_addr/);
    expect(emitText(table({ kind: 'ct-helper-set', helper: 'h' }, true))).toContain(
      'ct helper set "h"',
    );
    expect(() => emitText(table({ kind: 'ct-helper-set', helper: 'g' }, true))).toThrow(
      /ct helper not in table/,
    );
  });
});
