// Issue 14: the VNet chains and the host forward chain as the generator builds them.
import { describe, expect, it } from 'vitest';
import type * as ir from '../../src/resolve/ir.js';
import * as b from './ir-builders.js';
import { chainRules, gen, tableText } from './text-helpers.js';

const tcp = { kind: 'named', name: 'tcp', number: 6 } as const;

function vnet(name: string, over: Partial<ir.Vnet> = {}): ir.Vnet {
  return {
    name,
    enabled: true,
    policyForward: 'ACCEPT',
    logLevelForward: null,
    rules: [],
    origin: b.span(`sdn/firewall/${name}.fw`, 2),
    ...over,
  };
}

describe('VNet chains', () => {
  it('one map lookup per packet whatever the number of VNets, in both tables', () => {
    const vnets = Array.from({ length: 50 }, (_, i) => vnet(`vnet${i}`));
    const text = gen(b.config({ vnets })).text;
    expect(chainRules(text, 'bridge', 'forward')).toEqual(['meta ibrname vmap @vnet_by_bridge']);
    expect(chainRules(text, 'inet', 'vnet_in')).toEqual(['iifname vmap @vnet_by_bridge']);
    expect(chainRules(text, 'inet', 'vnet_out')).toEqual(['oifname vmap @vnet_by_bridge']);
    expect(tableText(text, 'bridge')).toContain('"vnet49" : jump vnet_vnet49');
  });

  it('rules, then the policy logged at log_level_forward; ARP only in the bridge table', () => {
    const v = vnet('vnet0', {
      policyForward: 'DROP',
      logLevelForward: 6,
      rules: [b.rule({ direction: 'forward', proto: tcp, dport: b.ports(22) })],
    });
    const text = gen(b.config({ vnets: [v] })).text;
    const bridge = chainRules(text, 'bridge', 'vnet_vnet0');
    expect(bridge[0]).toBe('meta protocol arp accept');
    expect(bridge.slice(-3)).toEqual([
      'tcp dport 22 accept comment "100.fw:7"',
      'limit rate 1/second burst 5 packets log prefix ":0:6:vnet0-FORWARD: policy DROP: " group 0',
      'drop',
    ]);
    expect(chainRules(text, 'inet', 'vnet_vnet0')).not.toContain('meta protocol arp accept');
  });

  it('disabled VNets and a disabled host firewall: nothing, or the bridge side only', () => {
    expect(gen(b.config({ vnets: [vnet('vnet0', { enabled: false })] })).text).not.toContain(
      'vnet',
    );
    const hostOff = gen(
      b.config({
        host: { options: b.hostOptions({ enable: false }), rules: [] },
        vnets: [vnet('vnet0')],
      }),
    ).text;
    expect(tableText(hostOff, 'inet')).toBeNull();
    expect(chainRules(hostOff, 'bridge', 'forward')).toEqual(['meta ibrname vmap @vnet_by_bridge']);
  });
});

describe('host forward chain', () => {
  it('policy_forward REJECT rejects (the inet forward hook can), logged first', () => {
    const text = gen(
      b.config({
        policyForward: 'REJECT',
        host: { options: b.hostOptions({ logLevelForward: 4 }), rules: [] },
      }),
    ).text;
    expect(chainRules(text, 'inet', 'forward').slice(-2)).toEqual([
      'limit rate 1/second burst 5 packets log prefix ":0:4:PVEFW-HOST-FORWARD: policy REJECT: " group 0',
      'jump do_reject',
    ]);
  });

  it('no bridged mark while the host has no forward chain, even with VNets', () => {
    const text = gen(b.config({ vnets: [vnet('vnet0')] })).text;
    expect(text).not.toContain('536870912');
  });
});
