// Generated from shared/reference/icmp-types.tsv (SPEC.md b.10): every ICMP/ICMPv6 type name
// pve-firewall ($icmp_type_names, $icmpv6_type_names) or proxmox-ve-config (rule_match.rs) accepts.
//
// What pve-firewall accepts (the tsv `pve_firewall` column and its notes):
// * `-icmp-type NAME`: requires `-p icmp`, `-p icmpv6` or `-p ipv6-icmp`, excludes `-dport`, and
//   NAME must be an entry with pveFirewall = true of that protocol's family (icmp: incl. `any`;
//   icmpv6: no `any`). Numbers are NOT accepted with -icmp-type.
// * legacy `-dport X` with `-p icmp` or `-p icmpv6` (not `ipv6-icmp`): X is a single name of
//   that family (pveFirewall = true) or a number 0..255 (checked when compiling); a name cannot be
//   mixed with numbers ("ICMP ports not allowed in port range").
// proxmox-ve-config: -icmp-type takes a name (proxmoxFirewall = true), a number 0..255 or `any`
// (both families); -dport with icmp is ignored there. `type/code` syntax: neither.
// nft: `nft` is the tsv nft_rendering (checked to load in nft 1.0.6); reject-route has no
// rendering in the tsv (proxmox-ve-config fails on it), its `nft` here is built from type/code.

export type IcmpFamily = 'icmp' | 'icmpv6';

export interface IcmpType {
  family: IcmpFamily;
  /** Name as written in a rule (case-sensitive; iptables/ip6tables or nftables spelling). */
  name: string;
  /** ICMP type number; null for `any`. */
  type: number | null;
  /** ICMP code, for iptables names that stand for a type/code pair; else null. */
  code: number | null;
  /** Accepted by pve-firewall (with -icmp-type, and with the legacy -dport form). */
  pveFirewall: boolean;
  /** Accepted by proxmox-ve-config / proxmox-firewall as -icmp-type. */
  proxmoxFirewall: boolean;
  /** nft match text, e.g. 'icmp type echo-request', 'icmp type 3 icmp code 0'. */
  nft: string;
  /** nft type: a name nft knows, a number, or null for `any` (nft: `type 0-255`, or just
   * `meta l4proto icmp|icmpv6`). */
  nftType: string | number | null;
  /** nft code, when the name stands for a type/code pair. */
  nftCode?: number;
  note?: string;
}

export const ICMP_TYPES: readonly IcmpType[] = [
  { family: 'icmp', name: 'any', type: null, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 0-255', nftType: null, note: "matches every ICMP type; pve-firewall accepts 'any' only for IPv4" },
  { family: 'icmp', name: 'echo-reply', type: 0, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type echo-reply', nftType: 'echo-reply' },
  { family: 'icmp', name: 'destination-unreachable', type: 3, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type destination-unreachable', nftType: 'destination-unreachable' },
  { family: 'icmp', name: 'network-unreachable', type: 3, code: 0, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 3 icmp code 0', nftType: 3, nftCode: 0 },
  { family: 'icmp', name: 'host-unreachable', type: 3, code: 1, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 3 icmp code 1', nftType: 3, nftCode: 1 },
  { family: 'icmp', name: 'protocol-unreachable', type: 3, code: 2, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 3 icmp code 2', nftType: 3, nftCode: 2 },
  { family: 'icmp', name: 'port-unreachable', type: 3, code: 3, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 3 icmp code 3', nftType: 3, nftCode: 3 },
  { family: 'icmp', name: 'fragmentation-needed', type: 3, code: 4, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 3 icmp code 4', nftType: 3, nftCode: 4 },
  { family: 'icmp', name: 'source-route-failed', type: 3, code: 5, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 3 icmp code 5', nftType: 3, nftCode: 5 },
  { family: 'icmp', name: 'network-unknown', type: 3, code: 6, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 3 icmp code 6', nftType: 3, nftCode: 6 },
  { family: 'icmp', name: 'host-unknown', type: 3, code: 7, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 3 icmp code 7', nftType: 3, nftCode: 7 },
  { family: 'icmp', name: 'network-prohibited', type: 3, code: 9, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 3 icmp code 9', nftType: 3, nftCode: 9 },
  { family: 'icmp', name: 'host-prohibited', type: 3, code: 10, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 3 icmp code 10', nftType: 3, nftCode: 10 },
  { family: 'icmp', name: 'TOS-network-unreachable', type: 3, code: 11, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 3 icmp code 11', nftType: 3, nftCode: 11 },
  { family: 'icmp', name: 'TOS-host-unreachable', type: 3, code: 12, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 3 icmp code 12', nftType: 3, nftCode: 12 },
  { family: 'icmp', name: 'communication-prohibited', type: 3, code: 13, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 3 icmp code 13', nftType: 3, nftCode: 13 },
  { family: 'icmp', name: 'host-precedence-violation', type: 3, code: 14, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 3 icmp code 14', nftType: 3, nftCode: 14 },
  { family: 'icmp', name: 'precedence-cutoff', type: 3, code: 15, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 3 icmp code 15', nftType: 3, nftCode: 15 },
  { family: 'icmp', name: 'source-quench', type: 4, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type source-quench', nftType: 'source-quench' },
  { family: 'icmp', name: 'redirect', type: 5, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type redirect', nftType: 'redirect' },
  { family: 'icmp', name: 'network-redirect', type: 5, code: 0, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 5 icmp code 0', nftType: 5, nftCode: 0 },
  { family: 'icmp', name: 'host-redirect', type: 5, code: 1, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 5 icmp code 1', nftType: 5, nftCode: 1 },
  { family: 'icmp', name: 'TOS-network-redirect', type: 5, code: 2, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 5 icmp code 2', nftType: 5, nftCode: 2 },
  { family: 'icmp', name: 'TOS-host-redirect', type: 5, code: 3, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 5 icmp code 3', nftType: 5, nftCode: 3 },
  { family: 'icmp', name: 'echo-request', type: 8, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type echo-request', nftType: 'echo-request' },
  { family: 'icmp', name: 'router-advertisement', type: 9, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type router-advertisement', nftType: 'router-advertisement' },
  { family: 'icmp', name: 'router-solicitation', type: 10, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type router-solicitation', nftType: 'router-solicitation' },
  { family: 'icmp', name: 'time-exceeded', type: 11, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type time-exceeded', nftType: 'time-exceeded' },
  { family: 'icmp', name: 'ttl-zero-during-transit', type: 11, code: 0, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 11 icmp code 0', nftType: 11, nftCode: 0 },
  { family: 'icmp', name: 'ttl-zero-during-reassembly', type: 11, code: 1, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 11 icmp code 1', nftType: 11, nftCode: 1 },
  { family: 'icmp', name: 'parameter-problem', type: 12, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type parameter-problem', nftType: 'parameter-problem' },
  { family: 'icmp', name: 'ip-header-bad', type: 12, code: 0, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 12 icmp code 0', nftType: 12, nftCode: 0 },
  { family: 'icmp', name: 'required-option-missing', type: 12, code: 1, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type 12 icmp code 1', nftType: 12, nftCode: 1 },
  { family: 'icmp', name: 'timestamp-request', type: 13, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type timestamp-request', nftType: 'timestamp-request' },
  { family: 'icmp', name: 'timestamp-reply', type: 14, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type timestamp-reply', nftType: 'timestamp-reply' },
  { family: 'icmp', name: 'address-mask-request', type: 17, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type address-mask-request', nftType: 'address-mask-request' },
  { family: 'icmp', name: 'address-mask-reply', type: 18, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmp type address-mask-reply', nftType: 'address-mask-reply' },
  { family: 'icmp', name: 'info-request', type: 15, code: null, pveFirewall: false, proxmoxFirewall: true, nft: 'icmp type info-request', nftType: 'info-request', note: 'nftables name only' },
  { family: 'icmp', name: 'info-reply', type: 16, code: null, pveFirewall: false, proxmoxFirewall: true, nft: 'icmp type info-reply', nftType: 'info-reply', note: 'nftables name only' },
  { family: 'icmpv6', name: 'destination-unreachable', type: 1, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type destination-unreachable', nftType: 'destination-unreachable' },
  { family: 'icmpv6', name: 'no-route', type: 1, code: 0, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type 1 icmpv6 code 0', nftType: 1, nftCode: 0 },
  { family: 'icmpv6', name: 'communication-prohibited', type: 1, code: 1, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type 1 icmpv6 code 1', nftType: 1, nftCode: 1 },
  { family: 'icmpv6', name: 'beyond-scope', type: 1, code: 2, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type 1 icmpv6 code 2', nftType: 1, nftCode: 2 },
  { family: 'icmpv6', name: 'address-unreachable', type: 1, code: 3, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type 1 icmpv6 code 3', nftType: 1, nftCode: 3 },
  { family: 'icmpv6', name: 'port-unreachable', type: 1, code: 4, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type 1 icmpv6 code 4', nftType: 1, nftCode: 4 },
  { family: 'icmpv6', name: 'failed-policy', type: 1, code: 5, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type 1 icmpv6 code 5', nftType: 1, nftCode: 5 },
  { family: 'icmpv6', name: 'reject-route', type: 1, code: 6, pveFirewall: true, proxmoxFirewall: false, nft: 'icmpv6 type 1 icmpv6 code 6', nftType: 1, nftCode: 6, note: 'proxmox-firewall: parse error (mapping table key is misspelled "reject-route\'"); aborts loading of the whole file in proxmox-firewall' },
  { family: 'icmpv6', name: 'packet-too-big', type: 2, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type packet-too-big', nftType: 'packet-too-big' },
  { family: 'icmpv6', name: 'time-exceeded', type: 3, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type time-exceeded', nftType: 'time-exceeded' },
  { family: 'icmpv6', name: 'ttl-zero-during-transit', type: 3, code: 0, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type 3 icmpv6 code 0', nftType: 3, nftCode: 0 },
  { family: 'icmpv6', name: 'ttl-zero-during-reassembly', type: 3, code: 1, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type 3 icmpv6 code 1', nftType: 3, nftCode: 1 },
  { family: 'icmpv6', name: 'parameter-problem', type: 4, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type parameter-problem', nftType: 'parameter-problem' },
  { family: 'icmpv6', name: 'bad-header', type: 4, code: 0, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type 4 icmpv6 code 0', nftType: 4, nftCode: 0 },
  { family: 'icmpv6', name: 'unknown-header-type', type: 4, code: 1, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type 4 icmpv6 code 1', nftType: 4, nftCode: 1 },
  { family: 'icmpv6', name: 'unknown-option', type: 4, code: 2, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type 4 icmpv6 code 2', nftType: 4, nftCode: 2 },
  { family: 'icmpv6', name: 'echo-request', type: 128, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type echo-request', nftType: 'echo-request' },
  { family: 'icmpv6', name: 'echo-reply', type: 129, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type echo-reply', nftType: 'echo-reply' },
  { family: 'icmpv6', name: 'router-solicitation', type: 133, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type nd-router-solicit', nftType: 'nd-router-solicit' },
  { family: 'icmpv6', name: 'router-advertisement', type: 134, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type nd-router-advert', nftType: 'nd-router-advert' },
  { family: 'icmpv6', name: 'neighbor-solicitation', type: 135, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type nd-neighbor-solicit', nftType: 'nd-neighbor-solicit' },
  { family: 'icmpv6', name: 'neighbour-solicitation', type: 135, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type nd-neighbor-solicit', nftType: 'nd-neighbor-solicit', note: 'British spelling alias' },
  { family: 'icmpv6', name: 'neighbor-advertisement', type: 136, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type nd-neighbor-advert', nftType: 'nd-neighbor-advert' },
  { family: 'icmpv6', name: 'neighbour-advertisement', type: 136, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type nd-neighbor-advert', nftType: 'nd-neighbor-advert', note: 'British spelling alias' },
  { family: 'icmpv6', name: 'redirect', type: 137, code: null, pveFirewall: true, proxmoxFirewall: true, nft: 'icmpv6 type nd-redirect', nftType: 'nd-redirect' },
  { family: 'icmpv6', name: 'any', type: null, code: null, pveFirewall: false, proxmoxFirewall: true, nft: 'icmpv6 type 0-255', nftType: null, note: 'matches every ICMPv6 type' },
  { family: 'icmpv6', name: 'mld-listener-query', type: 130, code: null, pveFirewall: false, proxmoxFirewall: true, nft: 'icmpv6 type mld-listener-query', nftType: 'mld-listener-query', note: 'nftables name only' },
  { family: 'icmpv6', name: 'mld-listener-report', type: 131, code: null, pveFirewall: false, proxmoxFirewall: true, nft: 'icmpv6 type mld-listener-report', nftType: 'mld-listener-report', note: 'nftables name only' },
  { family: 'icmpv6', name: 'mld-listener-done', type: 132, code: null, pveFirewall: false, proxmoxFirewall: true, nft: 'icmpv6 type mld-listener-done', nftType: 'mld-listener-done', note: 'nftables name only' },
  { family: 'icmpv6', name: 'mld-listener-reduction', type: 132, code: null, pveFirewall: false, proxmoxFirewall: true, nft: 'icmpv6 type mld-listener-reduction', nftType: 'mld-listener-reduction', note: 'nftables name only' },
  { family: 'icmpv6', name: 'nd-router-solicit', type: 133, code: null, pveFirewall: false, proxmoxFirewall: true, nft: 'icmpv6 type nd-router-solicit', nftType: 'nd-router-solicit', note: 'nftables name only' },
  { family: 'icmpv6', name: 'nd-router-advert', type: 134, code: null, pveFirewall: false, proxmoxFirewall: true, nft: 'icmpv6 type nd-router-advert', nftType: 'nd-router-advert', note: 'nftables name only' },
  { family: 'icmpv6', name: 'nd-neighbor-solicit', type: 135, code: null, pveFirewall: false, proxmoxFirewall: true, nft: 'icmpv6 type nd-neighbor-solicit', nftType: 'nd-neighbor-solicit', note: 'nftables name only' },
  { family: 'icmpv6', name: 'nd-neighbor-advert', type: 136, code: null, pveFirewall: false, proxmoxFirewall: true, nft: 'icmpv6 type nd-neighbor-advert', nftType: 'nd-neighbor-advert', note: 'nftables name only' },
  { family: 'icmpv6', name: 'nd-redirect', type: 137, code: null, pveFirewall: false, proxmoxFirewall: true, nft: 'icmpv6 type nd-redirect', nftType: 'nd-redirect', note: 'nftables name only' },
  { family: 'icmpv6', name: 'router-renumbering', type: 138, code: null, pveFirewall: false, proxmoxFirewall: true, nft: 'icmpv6 type router-renumbering', nftType: 'router-renumbering', note: 'nftables name only' },
  { family: 'icmpv6', name: 'ind-neighbor-solicit', type: 141, code: null, pveFirewall: false, proxmoxFirewall: true, nft: 'icmpv6 type ind-neighbor-solicit', nftType: 'ind-neighbor-solicit', note: 'nftables name only' },
  { family: 'icmpv6', name: 'ind-neighbor-advert', type: 142, code: null, pveFirewall: false, proxmoxFirewall: true, nft: 'icmpv6 type ind-neighbor-advert', nftType: 'ind-neighbor-advert', note: 'nftables name only' },
  { family: 'icmpv6', name: 'mld2-listener-report', type: 143, code: null, pveFirewall: false, proxmoxFirewall: true, nft: 'icmpv6 type mld2-listener-report', nftType: 'mld2-listener-report', note: 'nftables name only' },
];

/** Numeric types (tsv rows `<0-255>`): pve-firewall only via the legacy `-p icmp|icmpv6 -dport N`
 * form (not with ipv6-icmp, not with -icmp-type); proxmox-ve-config only via -icmp-type.
 * nft: `icmp type N` / `icmpv6 type N`. */
export const ICMP_NUMERIC_TYPE = {
  min: 0,
  max: 255,
  pveFirewall: 'legacy-dport-only',
  proxmoxFirewall: 'icmp-type-only',
} as const;

const BY_KEY: ReadonlyMap<string, IcmpType> = new Map(
  ICMP_TYPES.map((t) => [`${t.family}/${t.name}`, t] as const),
);

/** Exact (case-sensitive) lookup of a type name in one family; check pveFirewall /
 * proxmoxFirewall for acceptance. Numbers are not names: see ICMP_NUMERIC_TYPE. */
export function findIcmpType(family: IcmpFamily, name: string): IcmpType | undefined {
  return BY_KEY.get(`${family}/${name}`);
}

/** ICMP family of a rule protocol as pve-firewall sees it for -icmp-type (icmp, icmpv6,
 * ipv6-icmp); undefined for any other protocol (-icmp-type is then a rule error). */
export function icmpFamilyOfProto(proto: string): IcmpFamily | undefined {
  if (proto === 'icmp') return 'icmp';
  if (proto === 'icmpv6' || proto === 'ipv6-icmp') return 'icmpv6';
  return undefined;
}

/** ICMP family for the legacy pve-firewall `-dport` form: only `icmp` and `icmpv6`. */
export function legacyDportIcmpFamily(proto: string): IcmpFamily | undefined {
  if (proto === 'icmp') return 'icmp';
  if (proto === 'icmpv6') return 'icmpv6';
  return undefined;
}
