import { describe, expect, it } from 'vitest';
import { check, resolveTree } from './helpers.js';

const guest = (rules: string, extra = '') =>
  resolveTree({
    cluster: `[OPTIONS]\nenable: 1\n[ALIASES]\nweb 198.51.100.10\nweb6 2001:db8::10\n${extra}`,
    guests: [{ vmid: 100, fw: `[OPTIONS]\nenable: 1\n[RULES]\n${rules}\n` }],
  });

describe('macros', () => {
  it('expand to one rule per macro line, in macro order', () => {
    const { config, diags } = guest('IN DNS(ACCEPT) -source web');
    expect(diags).toBe('');
    const r = config.guests[0]!.rules;
    expect(
      r.map((x) => [x.proto?.kind === 'named' && x.proto.name, x.dport, x.macro, x.family]),
    ).toEqual([
      ['udp', [{ from: 53, to: 53 }], 'DNS', 4],
      ['tcp', [{ from: 53, to: 53 }], 'DNS', 4],
    ]);
  });
  it('match names case-insensitively (pve-firewall)', () => {
    expect(guest('IN ssh(ACCEPT)').config.guests[0]!.rules[0]!.macro).toBe('SSH');
  });
  it('Ping keeps only the line of the rule family', () => {
    const { config } = guest('IN Ping(ACCEPT) -source web6');
    expect(config.guests[0]!.rules.map((r) => r.proto)).toEqual([
      { kind: 'icmp', family: 6, type: { type: 'echo-request', code: null } },
    ]);
  });
  it('Ping without addresses gives an IPv4 and an IPv6 rule', () => {
    expect(guest('IN Ping(DROP)').config.guests[0]!.rules.map((r) => r.family)).toEqual([4, 6]);
  });
  it('a rule field that agrees with the macro is fine', () => {
    expect(guest('IN SSH(ACCEPT) -p tcp').diags).toBe('');
  });
});

describe('checks that keep rules from widening', () => {
  it('ports without a protocol are an error, not dropped', () => {
    expect(check('[RULES]\nIN ACCEPT -dport 80\n', 'host')).toBe(
      'host.fw:2:18: error: -dport needs a protocol with ports ' +
        '(-p tcp, udp, udplite, dccp or sctp) [ports-without-protocol]\n' +
        ' 2 | IN ACCEPT -dport 80\n' +
        '   |                  ^^\n',
    );
  });
  it('an invalid rule is dropped from the IR, the rest stays', () => {
    const { config } = guest('IN ACCEPT -dport 80\nIN DROP -p tcp -dport 22');
    expect(config.guests[0]!.rules.map((r) => r.verdict)).toEqual(['drop']);
  });
  it('CIDRs with host bits are errors (Net::IP)', () => {
    expect(check('[RULES]\nIN ACCEPT -source 10.0.0.1/8\n', 'host')).toContain(
      "'10.0.0.1/8' has host bits set, did you mean '10.0.0.0/8'? [cidr-host-bits]",
    );
  });
  it('legacy ICMP type in -dport', () => {
    const { config, diags } = guest('IN ACCEPT -p icmp -dport echo-request');
    expect(diags).toBe('');
    expect(config.guests[0]!.rules[0]!.proto).toEqual({
      kind: 'icmp',
      family: 4,
      type: { type: 'echo-request', code: null },
    });
  });
  it('icmp type with a code', () => {
    const { config } = guest('IN ACCEPT -p icmp -icmp-type host-unreachable');
    expect(config.guests[0]!.rules[0]!.proto).toEqual({
      kind: 'icmp',
      family: 4,
      type: { type: 3, code: 1 },
    });
  });
  it('service names and ranges', () => {
    const { config } = guest('IN ACCEPT -p tcp -dport http,8000:8080 -sport 1024:65535');
    const r = config.guests[0]!.rules[0]!;
    expect([r.dport, r.sport]).toEqual([
      [
        { from: 80, to: 80 },
        { from: 8000, to: 8080 },
      ],
      [{ from: 1024, to: 65535 }],
    ]);
  });
  it('-i netN selects a NIC; unknown NIC is a warning', () => {
    const { config, diags } = guest('IN ACCEPT -i net3 -p tcp -dport 22');
    expect(config.guests[0]!.rules[0]!.nic).toBe(3);
    expect(diags).toContain('[unknown-nic]');
  });
});

describe('security groups', () => {
  const cluster = '[group web]\nIN HTTP(ACCEPT)\nOUT DROP -p tcp -dport 25\n';
  it('expand in place with the GROUP line NIC', () => {
    const { config, diags } = guest(
      'IN DROP -p tcp -dport 22\nGROUP web -i net0\nIN ACCEPT',
      cluster,
    );
    expect(diags).toBe('');
    expect(config.guests[0]!.rules.map((r) => [r.direction, r.verdict, r.group, r.nic])).toEqual([
      ['in', 'drop', null, null],
      ['in', 'accept', 'web', 0],
      ['out', 'drop', 'web', 0],
      ['in', 'accept', null, null],
    ]);
  });
  it('group rules see cluster aliases only', () => {
    const { diags } = resolveTree({
      cluster: '[OPTIONS]\nenable: 1\n[group g1]\nIN ACCEPT -source mine\n',
      guests: [
        { vmid: 100, fw: '[OPTIONS]\nenable: 1\n[ALIASES]\nmine 10.0.0.1\n[RULES]\nGROUP g1\n' },
      ],
    });
    expect(diags).toContain("unknown alias 'mine' [unknown-alias]");
  });
  it('host rules: host.fw first, then cluster.fw; GROUP -i is the interface', () => {
    const { config } = resolveTree({
      cluster: `[OPTIONS]\nenable: 1\n[RULES]\nIN ACCEPT -p tcp -dport 1\nGROUP web -i vmbr0\n${cluster}`,
      host: '[RULES]\nIN ACCEPT -p tcp -dport 2\n',
    });
    expect(config.host.rules.map((r) => [r.dport?.[0]?.from ?? null, r.iface])).toEqual([
      [2, null],
      [1, null],
      [80, 'vmbr0'],
      [25, 'vmbr0'],
    ]);
  });
});
