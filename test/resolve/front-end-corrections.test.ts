// Issue 11, "front-end corrections found on real configs": what each one does to the IR and the
// exact diagnostics (the error fixtures pin the same texts end to end).
import { describe, expect, it } from 'vitest';
import { check, cidrs, resolveTree } from './helpers.js';

const ENABLED = '[OPTIONS]\nenable: 1\n';

describe('host bits in aliases and ipsets: masked with a warning, as pve-firewall lets the kernel do', () => {
  it('an ipset entry keeps its network, so the rules that use the set stay', () => {
    const { config, diags } = resolveTree({
      cluster:
        `${ENABLED}[IPSET admins]\n198.51.100.7/28\n\n` +
        '[RULES]\nIN ACCEPT -source +admins -p tcp -dport 22\n',
    });
    expect(config.host.rules).toHaveLength(1);
    const src = config.host.rules[0]!.source;
    expect(src?.kind === 'ipset' ? cidrs(src.set, 4) : null).toEqual(['198.51.100.0/28']);
    expect(diags).toBe(
      "cluster.fw:4:1: warning: '198.51.100.7/28' has host bits set, " +
        "using '198.51.100.0/28' as pve-firewall does [host-bits-masked]\n" +
        ' 4 | 198.51.100.7/28\n' +
        '   | ^^^^^^^^^^^^^^^\n',
    );
  });
  it('an alias is masked too, also where a rule uses it', () => {
    const { config } = resolveTree({
      cluster: `${ENABLED}[ALIASES]\noffice 2001:db8::1/64\n\n[RULES]\nIN ACCEPT -source office\n`,
    });
    const src = config.host.rules[0]!.source;
    expect(src).toMatchObject({
      kind: 'addresses',
      items: [{ kind: 'cidr', addr: '2001:db8::', len: 64 }],
    });
  });
  it('a rule address with host bits stays an error and the rule is left out', () => {
    const { config, diags } = resolveTree({
      cluster: `${ENABLED}[RULES]\nIN ACCEPT -source 192.0.2.10/24\n`,
    });
    expect(config.host.rules).toEqual([]);
    expect(diags).toContain(
      "error: '192.0.2.10/24' has host bits set, did you mean '192.0.2.0/24'? [cidr-host-bits]",
    );
  });
});

describe('disabled rules inside [group] sections', () => {
  const cluster = `${ENABLED}[group web]\nIN ACCEPT -p tcp -dport 80\n|IN ACCEPT -p tcpp -dport 443\n`;
  it('are checked like disabled rules elsewhere: warnings, and not compiled', () => {
    const { config, diags } = resolveTree({
      cluster: `${cluster}\n[RULES]\nGROUP web\n`,
    });
    expect(config.host.rules.map((r) => r.dport)).toEqual([[{ from: 80, to: 80 }]]);
    expect(diags).toBe(
      "cluster.fw:5:15: warning: unknown protocol 'tcpp' (in a disabled rule) [unknown-protocol]\n" +
        ' 5 | |IN ACCEPT -p tcpp -dport 443\n' +
        '   |               ^^^^\n',
    );
  });
  it('fwgen check reports them on the cluster file', () => {
    expect(check(cluster, 'cluster')).toContain('(in a disabled rule) [unknown-protocol]');
  });
});

describe('options', () => {
  it('a comment after the value: the line is ignored, as pve-firewall ignores it', () => {
    const { config, diags } = resolveTree({
      cluster: ENABLED,
      guests: [{ vmid: 100, fw: `${ENABLED}radv: 1 # routers only\n` }],
    });
    expect(config.guests[0]!.options.radv).toBe(false);
    expect(diags).toContain(
      '100.fw:3:9: error: a comment is not allowed after an option value, ' +
        'put it on a line of its own [option-comment]',
    );
  });
  it('guest policy_forward: a warning, not an unknown option (proxmox-firewall reads it)', () => {
    const diags = check(`${ENABLED}policy_forward: DROP\n`, 'guest');
    expect(diags).toMatch(
      new RegExp(
        "^100\\.fw:3:1: warning: option 'policy_forward' has no effect in fwgen: " +
          'it is not a guest option \\(pve-firewall rejects it, proxmox-firewall reads it ' +
          'and never uses it\\) \\[option-ignored\\]\n[^\n]*\n[^\n]*\n$',
      ),
    );
  });
  it('an ignored option at its default says nothing; away from it, a warning', () => {
    expect(check('[OPTIONS]\nnftables: 0\nprotection_synflood: 0\n', 'host')).toBe('');
    expect(check('[OPTIONS]\nnftables: 1\n', 'host')).toContain(
      "host.fw:2:1: warning: option 'nftables' has no effect in fwgen: " +
        'it switches between pve-firewall and proxmox-firewall [option-ignored]',
    );
  });
  it('a VNet file (issue 14): compiled, so its options say nothing; GROUP allowed, -i not', () => {
    expect(check('[OPTIONS]\nenable: 1\npolicy_forward: DROP\n', 'vnet')).toBe('');
    expect(check('[RULES]\nGROUP web -i eth0\nIN ACCEPT\n', 'vnet')).toMatch(
      /-i is not allowed in vnet rules \[iface-not-allowed\][\s\S]*IN rules are not allowed in a vnet file/,
    );
  });
});

describe('syntax hints', () => {
  it('a flag without its value says so, at the flag', () => {
    expect(check('[RULES]\nIN ACCEPT -p  -dport 22\n', 'host')).toContain(
      "host.fw:2:11: error: '-p' has no value, found the option '-dport' [rule-option-without-value]",
    );
    expect(check('[RULES]\nIN ACCEPT -p tcp -dport\n', 'host')).toContain(
      "host.fw:2:18: error: '-dport' has no value [rule-option-without-value]",
    );
  });
  it('a line outside any section names the section it fits', () => {
    const out = check(
      'IN ACCEPT -p tcp\nfoo 192.0.2.1\n192.0.2.0/24\n2001:db8::1\nenable: 1\nhello\n[RULES]\n',
      'cluster',
    );
    const hints = [...out.matchAll(/error: (.*) \[no-section\]/g)].map((m) => m[1]);
    expect(hints).toEqual([
      'line outside of any section; it reads as a rule, which belongs under [RULES]',
      'line outside of any section; it reads as an alias, which belongs under [ALIASES]',
      'line outside of any section; it reads as an ipset entry, which belongs under [IPSET name]',
      'line outside of any section; it reads as an ipset entry, which belongs under [IPSET name]',
      'line outside of any section; it reads as an option, which belongs under [OPTIONS]',
      'line outside of any section, expected a section header such as [RULES]',
    ]);
  });
});
