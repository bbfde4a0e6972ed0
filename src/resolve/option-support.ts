// What fwgen does with each [OPTIONS] key: acts on it, or ignores it for a stated reason. The
// type makes every key of every scope (src/data/options.ts) a required entry, so a new option
// cannot be forgotten; an ignored key set away from its default gets an `option-ignored` warning
// (check-options.ts), and test/resolve/option-coverage.test.ts checks each entry against output.
import type { OptionName, OptionScope } from '../data/options.js';

export type OptionSupport =
  /** The ruleset (or the settings `apply` writes) depends on the value. */
  | { acted: true }
  /** Why the value changes nothing, said after "has no effect in fwgen: ". */
  | { ignored: string };

const ACTED = { acted: true } as const;

export const OPTION_SUPPORT: { [S in OptionScope]: Record<OptionName<S>, OptionSupport> } = {
  cluster: {
    enable: ACTED,
    ebtables: ACTED,
    policy_in: ACTED,
    policy_out: ACTED,
    policy_forward: ACTED,
    log_ratelimit: ACTED,
  },
  host: {
    enable: ACTED,
    nftables: { ignored: 'it switches between pve-firewall and proxmox-firewall' },
    log_level_in: ACTED,
    log_level_out: ACTED,
    log_level_forward: ACTED,
    smurf_log_level: ACTED,
    tcp_flags_log_level: ACTED,
    nosmurfs: ACTED,
    tcpflags: ACTED,
    ndp: ACTED,
    nf_conntrack_max: ACTED,
    nf_conntrack_tcp_timeout_established: ACTED,
    nf_conntrack_tcp_timeout_syn_recv: ACTED,
    nf_conntrack_allow_invalid: ACTED,
    nf_conntrack_helpers: ACTED,
    protection_synflood: ACTED,
    protection_synflood_rate: ACTED,
    protection_synflood_burst: ACTED,
    protection_limit: { ignored: 'pve-firewall accepts it but never uses it' },
    log_nf_conntrack: ACTED,
  },
  guest: {
    enable: ACTED,
    policy_in: ACTED,
    policy_out: ACTED,
    policy_forward: {
      ignored:
        'it is not a guest option (pve-firewall rejects it, proxmox-firewall reads it and never uses it)',
    },
    log_level_in: ACTED,
    log_level_out: ACTED,
    macfilter: ACTED,
    dhcp: ACTED,
    ndp: ACTED,
    radv: ACTED,
    ipfilter: ACTED,
    ips: ACTED,
    ips_queues: ACTED,
    layer2_protocols: ACTED,
  },
  vnet: {
    enable: ACTED,
    policy_forward: ACTED,
    log_level_forward: ACTED,
  },
};

/** The entry of one option (any key of the scope). */
export function optionSupport<S extends OptionScope>(scope: S, name: OptionName<S>): OptionSupport {
  const table: Record<string, OptionSupport> = OPTION_SUPPORT[scope];
  return table[name]!;
}
