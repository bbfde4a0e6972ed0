// IPS (guest `ips: 1`, `ips_queues`): pve-firewall hands a guest's accepted inbound traffic to
// NFQUEUE (Suricata) with --queue-bypass, --queue-balance for N:M (generate_nfqueue,
// ruleset_generate_vm_ipsrules; docs/decisions.md "IPS"). Where PF queues, in <tap>-IN: the
// ACCEPT of guest rules and groups, the NDP accepts, policy ACCEPT, and RELATED/ESTABLISHED
// traffic to the tap (PVEFW-IPS, first in PVEFW-FORWARD). Not queued: DHCP replies and the
// policy's ICMP-error accepts (plain ACCEPT in PF), ARP and other non-IP frames (iptables never
// sees them). Bridge postrouting can queue on Debian's 6.1 kernel (measured:
// test/kernel-lab/facts/parity-facts.sh, section queue).
import type * as ir from '../resolve/ir.js';
import type * as nft from '../nft/model.js';
import { names } from './names.js';
import { ACCEPT, anonSet, goto, match, meta, sym, verdict } from './rule-stmts.js';

/** The queue chains of one bridge table, one per distinct queue range, created on first use. */
export class IpsQueues {
  private readonly byName = new Map<string, nft.Chain>();

  /** What replaces `accept` in the guest's inbound chain: `goto ips_queue_N[_M]` when the guest
   * has IPS, else `accept`. */
  accept(opt: ir.GuestOptions): nft.Verdict {
    const q = opt.ips;
    if (q === null) return ACCEPT;
    const name = names.bridge.ipsQueue(q.from, q.to);
    if (!this.byName.has(name))
      this.byName.set(name, {
        name,
        rules: [
          {
            stmts: [
              // Only IP reaches PF's NFQUEUE (iptables); a queue reader expects an IP packet.
              match(meta('protocol'), anonSet([sym('ip'), sym('ip6')])),
              { kind: 'queue', from: q.from, to: q.to, fanout: q.from !== q.to, bypass: true },
            ],
          },
          { stmts: [verdict(ACCEPT)] },
        ],
      });
    return goto(name);
  }

  /** The policy's accept: queued only for policy ACCEPT (PF's PVEFW-Drop/-Reject accept ICMP
   * errors with a plain ACCEPT). */
  policyAccept(opt: ir.GuestOptions): nft.Verdict {
    return opt.policyIn === 'ACCEPT' ? this.accept(opt) : ACCEPT;
  }

  chains(): nft.Chain[] {
    return [...this.byName.values()];
  }
}
