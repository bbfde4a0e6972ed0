// Issue 14: FORWARD rules in host/cluster files and groups, VNet files.
import { describe, expect, it } from 'vitest';
import { resolveTree } from './helpers.js';

const CLUSTER =
  '[OPTIONS]\nenable: 1\npolicy_forward: DROP\n\n[RULES]\nFORWARD ACCEPT -p tcp -dport 80\n' +
  'GROUP web\n\n[group web]\nFORWARD ACCEPT -p tcp -dport 443\nIN ACCEPT -p tcp -dport 8443\n';

describe('host FORWARD rules', () => {
  it('are kept, host first, with the cluster policy; no warning', () => {
    const { config, diags } = resolveTree({
      cluster: CLUSTER,
      host: '[OPTIONS]\nlog_level_forward: info\n\n[RULES]\nFORWARD DROP -p tcp -dport 81\n',
    });
    expect(diags).toBe('');
    expect(config.policyForward).toBe('DROP');
    expect(config.host.options.logLevelForward).toBe(6);
    const fwd = config.host.rules.filter((r) => r.direction === 'forward');
    expect(fwd.map((r) => [r.verdict, r.dport?.[0]?.from, r.group])).toEqual([
      ['drop', 81, null],
      ['accept', 80, null],
      ['accept', 443, 'web'],
    ]);
  });
  it('-i on a FORWARD rule or its GROUP line: a warning, not compiled', () => {
    const { config, diags } = resolveTree({
      cluster: CLUSTER,
      host: '[RULES]\nFORWARD ACCEPT -i eth0 -p tcp -dport 81\nGROUP web -i vmbr1\n',
    });
    expect(diags).toContain('a FORWARD rule cannot name an interface (-i)');
    expect(diags).toContain("the FORWARD rules of group 'web' do not apply through a GROUP line");
    // the group's IN rule still applies with its interface
    expect(config.host.rules.map((r) => [r.direction, r.iface, r.dport?.[0]?.from])).toEqual([
      ['in', 'vmbr1', 8443],
      ['forward', null, 80],
      ['forward', null, 443],
      ['in', null, 8443],
    ]);
  });
  it("a guest's GROUP line takes the group's IN/OUT rules only", () => {
    const { config } = resolveTree({
      cluster: CLUSTER,
      guests: [{ vmid: 100, fw: '[OPTIONS]\nenable: 1\n[RULES]\nGROUP web\n' }],
    });
    expect(config.guests[0]!.rules.map((r) => r.direction)).toEqual(['in']);
  });
});

describe('VNet files', () => {
  it('options, FORWARD rules and GROUP lines (their FORWARD rules only), sorted by name', () => {
    const { config, diags } = resolveTree({
      cluster: CLUSTER,
      vnets: {
        vnet1:
          '[OPTIONS]\nenable: 1\npolicy_forward: drop\nlog_level_forward: warning\n' +
          '[RULES]\nGROUP web\nFORWARD DROP -p udp -dport 53\n',
        vnet0: '[RULES]\nFORWARD DROP\n',
      },
    });
    expect(diags).toBe('');
    expect(
      config.vnets.map((v) => [v.name, v.enabled, v.policyForward, v.logLevelForward]),
    ).toEqual([
      ['vnet0', false, 'ACCEPT', null],
      ['vnet1', true, 'DROP', 4],
    ]);
    expect(config.vnets[1]!.rules.map((r) => [r.verdict, r.dport?.[0]?.from, r.group])).toEqual([
      ['accept', 443, 'web'],
      ['drop', 53, null],
    ]);
    expect(config.vnets[1]!.origin.start.line).toBe(2);
  });
  it('-i on a GROUP line, IN rules and FORWARD REJECT are errors', () => {
    const { config, diags } = resolveTree({
      cluster: CLUSTER,
      vnets: {
        vnet0: '[OPTIONS]\nenable: 1\n[RULES]\nGROUP web -i eth0\nIN ACCEPT\nFORWARD REJECT\n',
      },
    });
    expect(diags).toContain('[iface-not-allowed]');
    expect(diags).toContain('IN rules are not allowed in a vnet file [direction-not-allowed]');
    expect(diags).toContain('[forward-reject]');
    expect(config.vnets[0]!.rules).toEqual([]);
  });
});
