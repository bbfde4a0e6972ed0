// VMID connmark: PF's `CONNMARK --set-mark <vmid>`, first in <tap>-IN and <tap>-OUT
// (docs/reference.md §pve-guest-chains), so every conntrack entry of a guest's traffic carries
// its vmid and Proxmox's per-guest flush and conntrack migration (`conntrack -D --mark <vmid>`)
// select exactly that guest's flows (kernel lab: test/kernel-lab/facts/parity-facts.sh
// connmark). For ARP and other untracked frames the statement does nothing.
import type * as nft from '../nft/model.js';

/** `ct mark set <vmid>`: the first rule of each of the guest NIC's chains. */
export function connmarkRule(vmid: number): nft.Rule {
  return { stmts: [{ kind: 'ct-mark-set', value: vmid }] };
}
