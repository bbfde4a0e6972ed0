// guest-ipsets.ts: guest ipsets live in table-wide sets keyed by what dispatched to the chain
// (iifname in <nic>_out, oifname in <nic>_in, ether daddr in <nic>_in_pre); the set count does
// not grow with the guests; names (these and hoist-sets.ts's) depend on content only, so adding or
// removing a guest leaves every other guest's chains byte-identical (issue 13).
import { describe, expect, it } from 'vitest';
import type * as ir from '../../src/resolve/ir.js';
import * as b from './ir-builders.js';
import { chainNames, gen, tableText } from './text-helpers.js';

/** The emitted text of one chain, header to closing brace, exactly as printed. */
function chainText(text: string, chain: string): string {
  const table = tableText(text, 'bridge') ?? '';
  const lines = table.split('\n');
  const start = lines.indexOf(`  chain ${chain} {`);
  if (start < 0) throw new Error(`no chain ${chain}`);
  return lines.slice(start, lines.indexOf('  }', start) + 1).join('\n');
}

/** `set NAME { … }` blocks of the bridge table by name. */
function setBlocks(text: string): Map<string, string> {
  const table = tableText(text, 'bridge') ?? '';
  const out = new Map<string, string>();
  for (const m of table.matchAll(/^ {2}set (\S+) \{\n([\s\S]*?)\n {2}\}$/gm))
    out.set(m[1] ?? '', m[2] ?? '');
  return out;
}

/** A guest with its own ipset `peers` (nomatch already applied, as the IR holds it). */
function peersGuest(vmid: number, entries: string[], over: Partial<ir.Guest> = {}): ir.Guest {
  const peers = b.ipset(`guest-${vmid}/peers`, entries, { vmid, name: 'peers' });
  const src: ir.AddressMatch = { kind: 'ipset', set: peers };
  return b.guest(vmid, {
    rules: [
      b.rule({ direction: 'in', verdict: 'accept', source: src, proto: b.tcp, dport: b.ports(22) }),
      b.rule({ direction: 'in', verdict: 'reject', source: src, proto: b.tcp, dport: b.ports(23) }),
      b.rule({ direction: 'out', verdict: 'drop', dest: src, proto: b.tcp, dport: b.ports(25) }),
    ],
    ...over,
  });
}

describe('guest ipsets in table-wide sets', () => {
  const twoNics = peersGuest(100, ['192.0.2.0/25', '192.0.2.128/26', '2001:db8::/64'], {
    nics: [b.nic(100, 0), b.nic(100, 1)],
  });

  it('looks each set up by what dispatched to the chain: iifname, oifname, ether daddr', () => {
    const { text } = gen(b.config({ guests: [twoNics] }));
    for (const n of [0, 1]) {
      expect(chainText(text, `g100_net${n}_out`)).toContain(
        'iifname . ip daddr @guest_v4_peers tcp dport 25 drop',
      );
      expect(chainText(text, `g100_net${n}_out`)).toContain(
        'iifname . ip6 daddr @guest_v6_peers tcp dport 25 drop',
      );
      expect(chainText(text, `g100_net${n}_in`)).toContain(
        'oifname . ip saddr @guest_v4_peers tcp dport 22 accept',
      );
      expect(chainText(text, `g100_net${n}_in_pre`)).toContain(
        'ether daddr . ip saddr @guest_mac_v4_peers tcp dport 23 jump do_reject',
      );
      expect(chainText(text, `g100_net${n}_in_pre`)).toContain(
        'ether daddr . ip6 saddr @guest_mac_v6_peers tcp dport 23 jump do_reject',
      );
    }
    const sets = setBlocks(text);
    expect(sets.get('guest_v4_peers')).toContain('type ifname . ipv4_addr');
    expect(sets.get('guest_v4_peers')).toContain(
      'elements = { "tap100i0" . 192.0.2.0/25, "tap100i0" . 192.0.2.128/26, ' +
        '"tap100i1" . 192.0.2.0/25, "tap100i1" . 192.0.2.128/26 }',
    );
    expect(sets.get('guest_mac_v6_peers')).toContain('type ether_addr . ipv6_addr');
    expect(sets.get('guest_mac_v6_peers')).toContain(
      'elements = { bc:24:11:00:64:00 . 2001:db8::/64, bc:24:11:00:64:01 . 2001:db8::/64 }',
    );
    expect([...sets.keys()].some((n) => n.includes('guest-100'))).toBe(false);
  });

  it('a NIC-restricted rule puts only its NIC into the set', () => {
    const g = peersGuest(100, ['192.0.2.7'], { nics: [b.nic(100, 0), b.nic(100, 1)] });
    g.rules = g.rules.filter((r) => r.direction === 'in' && r.verdict === 'accept');
    g.rules = g.rules.map((r) => ({ ...r, nic: 1 }));
    const { text } = gen(b.config({ guests: [g] }));
    expect(setBlocks(text).get('guest_v4_peers')).toContain(
      'elements = { "tap100i1" . 192.0.2.7 }',
    );
    expect(chainText(text, 'g100_net0_in')).not.toContain('@guest_v4_peers');
  });

  it('guests with the same ipset name share the sets, each port with its own content', () => {
    const many = [100, 101, 102, 103, 104].map((vmid, i) =>
      peersGuest(vmid, [`198.51.100.${i}`, `2001:db8:${i}::/48`]),
    );
    const one = gen(b.config({ guests: many.slice(0, 1) }));
    const five = gen(b.config({ guests: many }));
    expect([...setBlocks(five.text).keys()]).toEqual([...setBlocks(one.text).keys()]);
    const v4 = setBlocks(five.text).get('guest_v4_peers') ?? '';
    expect(v4).toContain('"tap100i0" . 198.51.100.0, "tap101i0" . 198.51.100.1,');
    expect(v4).toContain('"tap104i0" . 198.51.100.4 }');
  });

  it('a family the ipset lacks has no set and no rule; an empty ipset matches nothing', () => {
    const v4only = peersGuest(100, ['192.0.2.7']);
    const empty = peersGuest(101, []);
    const { text } = gen(b.config({ guests: [v4only, empty] }));
    const sets = setBlocks(text);
    expect(sets.has('guest_v4_peers')).toBe(true);
    expect(sets.has('guest_v6_peers')).toBe(false);
    expect(sets.get('guest_v4_peers')).not.toContain('tap101i0');
    expect(chainText(text, 'g101_net0_in')).not.toContain('tcp dport 22');
  });

  it('a shared MAC gets no MAC-keyed element (no <nic>_in_pre chain for it)', () => {
    const a = peersGuest(100, ['192.0.2.7'], {
      nics: [b.nic(100, 0, { mac: 'bc:24:11:00:00:01' })],
    });
    const c = peersGuest(101, ['192.0.2.8'], {
      nics: [b.nic(101, 0, { mac: 'bc:24:11:00:00:01' })],
    });
    const { text } = gen(b.config({ guests: [a, c] }));
    expect(chainNames(text, 'bridge')).not.toContain('g100_net0_in_pre');
    expect(setBlocks(text).has('guest_mac_v4_peers')).toBe(false);
  });
});

describe('names depend on content only', () => {
  /** Guests with shared and guest-specific lists, ipsets, ipfilter, several NICs. */
  const mk = (vmid: number): ir.Guest => {
    const g = peersGuest(vmid, [`10.${vmid % 256}.0.0/16`, '2001:db8::/64'], {
      nics: [
        b.nic(vmid, 0, {
          ipfilter: b.ipset(`guest-${vmid}/ipfilter-net0`, [`192.0.2.${vmid % 256}`], { vmid }),
        }),
        b.nic(vmid, 1),
      ],
      options: b.guestOptions({ ipfilter: true }),
    });
    g.rules.push(
      // Used by this guest only, once: whether it is hoisted must not depend on other guests.
      b.rule({ direction: 'in', nic: 0, proto: b.tcp, dport: b.ports(vmid, vmid + 1000) }),
      // The same in every guest, once per guest.
      b.rule({ direction: 'out', nic: 0, proto: b.udp, dport: b.ports(53, 123) }),
    );
    return g;
  };

  it('adding a guest in front and removing one leaves the other guests’ chains byte-identical', () => {
    const before = gen(b.config({ guests: [101, 102, 103].map(mk) }));
    const after = gen(b.config({ guests: [100, 101, 102].map(mk) }));
    const kept = chainNames(before.text, 'bridge').filter((c) => /^g10[12]_/.test(c));
    expect(kept).toHaveLength(12);
    for (const c of kept) expect(chainText(after.text, c), c).toBe(chainText(before.text, c));
    // The shared sets that both use are defined alike too.
    const setsBefore = setBlocks(before.text);
    for (const [name, body] of setBlocks(after.text))
      if (name.startsWith('list_') && setsBefore.has(name)) expect(body).toBe(setsBefore.get(name));
  });

  it('a single guest’s chains do not change when a second one appears', () => {
    const alone = gen(b.config({ guests: [mk(101)] }));
    const two = gen(b.config({ guests: [mk(101), mk(102)] }));
    for (const c of chainNames(alone.text, 'bridge').filter((n) => n.startsWith('g101_')))
      expect(chainText(two.text, c), c).toBe(chainText(alone.text, c));
  });
});
