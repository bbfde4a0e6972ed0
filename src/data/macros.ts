// Source of truth for the code; written from docs/data/macros.tsv, and test/data/tsv.test.ts
// fails when the two disagree (docs/reference.md §pve-macros, §data): the firewall macros of
// pve-firewall ($pve_fw_macros, $pve_ipv6fw_macros) and proxmox-ve-config (resources/macros.json).
//
// Column mapping (macros.tsv -> MacroLine / Macro):
//   macro -> Macro.name; description -> Macro.description; notes -> Macro.notes (deduplicated);
//   action_template is always PARAM (the action written in `NAME(ACTION)`), so it is not stored;
//   proto, dport, sport -> as written (port syntax as in the file: `5900:5999`, `135,445`);
//   source, dest -> empty in every row (no macro restricts addresses), kept for completeness;
//   icmp_type -> icmpType (pve-firewall keeps it in the dport field, proxmox-ve-config in
//     icmp-type; pve-firewall spells the NDP types iptables-style, proxmox-ve-config `nd-*`);
//   family -> family: `any` = both rulesets, `ipv4` = only the IPv4 ruleset / `ip` family,
//     `ipv6` = only the IPv6 ruleset / `ip6` family (e.g. Ping: icmp line ipv4, icmpv6 line ipv6);
//   defined_in -> definedIn: which implementation has this line. Most lines are `both`; for
//     DHCPv6 and NeighborDiscovery each implementation has its own variant of the lines, so a
//     consumer must pick one side (see macroLines()); PBS and HTTP/3 exist only in proxmox-ve-config.

export type MacroFamily = 'any' | 'ipv4' | 'ipv6';
export type MacroDefinedIn = 'both' | 'pve-firewall' | 'proxmox-ve-config';

export interface MacroLine {
  proto?: string;
  dport?: string;
  sport?: string;
  source?: string;
  dest?: string;
  icmpType?: string;
  family: MacroFamily;
  /** Which implementation defines this line (macros.tsv `defined_in`). */
  definedIn: MacroDefinedIn;
}

export interface Macro {
  /** Canonical spelling (pve-firewall $pve_fw_preferred_macro_names). */
  name: string;
  description: string;
  /** All lines of both implementations, in order; use macroLines() to get one side. */
  lines: readonly MacroLine[];
  /** false for PBS and HTTP/3: only in proxmox-ve-config; pve-firewall (API, GUI, iptables)
   * rejects them as unknown macro. HTTP/3 cannot even be written in a .fw file (`/`). */
  knownToPveFirewall: boolean;
  notes?: readonly string[];
}

export const MACROS: readonly Macro[] = [
  {
    name: 'Amanda',
    description: 'Amanda Backup',
    lines: [
      { proto: 'udp', dport: '10080', family: 'any', definedIn: 'both' },
      { proto: 'tcp', dport: '10080', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'Auth',
    description: 'Auth (identd) traffic',
    lines: [{ proto: 'tcp', dport: '113', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'BGP',
    description: 'Border Gateway Protocol traffic',
    lines: [{ proto: 'tcp', dport: '179', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'BitTorrent',
    description: 'BitTorrent traffic for BitTorrent 3.1 and earlier',
    lines: [
      { proto: 'tcp', dport: '6881:6889', family: 'any', definedIn: 'both' },
      { proto: 'udp', dport: '6881', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'BitTorrent32',
    description: 'BitTorrent traffic for BitTorrent 3.2 and later',
    lines: [
      { proto: 'tcp', dport: '6881:6999', family: 'any', definedIn: 'both' },
      { proto: 'udp', dport: '6881', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'Ceph',
    description: 'Ceph Storage Cluster traffic (Ceph Monitors, OSD & MDS Daemons)',
    lines: [
      { proto: 'tcp', dport: '6789', family: 'any', definedIn: 'both' },
      { proto: 'tcp', dport: '3300', family: 'any', definedIn: 'both' },
      { proto: 'tcp', dport: '6800:7300', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'Citrix',
    description: 'Citrix/ICA traffic (ICA, ICA Browser, CGP)',
    lines: [
      { proto: 'tcp', dport: '1494', family: 'any', definedIn: 'both' },
      { proto: 'udp', dport: '1604', family: 'any', definedIn: 'both' },
      { proto: 'tcp', dport: '2598', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'CVS',
    description: 'Concurrent Versions System pserver traffic',
    lines: [{ proto: 'tcp', dport: '2401', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'DAAP',
    description: 'Digital Audio Access Protocol traffic (iTunes, Rythmbox daemons)',
    lines: [
      { proto: 'tcp', dport: '3689', family: 'any', definedIn: 'both' },
      { proto: 'udp', dport: '3689', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'DCC',
    description: 'Distributed Checksum Clearinghouse spam filtering mechanism',
    lines: [{ proto: 'tcp', dport: '6277', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'DHCPfwd',
    description: 'Forwarded DHCP traffic',
    lines: [{ proto: 'udp', dport: '67:68', sport: '67:68', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'DHCPv6',
    description: 'DHCPv6 traffic',
    lines: [
      {
        proto: 'udp',
        dport: '546:547',
        sport: '546:547',
        family: 'ipv6',
        definedIn: 'pve-firewall',
      },
      {
        proto: 'udp',
        dport: '546:547',
        sport: '546:547',
        family: 'any',
        definedIn: 'proxmox-ve-config',
      },
    ],
    knownToPveFirewall: true,
    notes: ['pve-firewall: ipv6-only macro (skipped when compiling the IPv4 ruleset)'],
  },
  {
    name: 'Distcc',
    description: 'Distributed Compiler service',
    lines: [{ proto: 'tcp', dport: '3632', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'DNS',
    description: 'Domain Name System traffic (upd and tcp)',
    lines: [
      { proto: 'udp', dport: '53', family: 'any', definedIn: 'both' },
      { proto: 'tcp', dport: '53', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'Finger',
    description: 'Finger protocol (RFC 742)',
    lines: [{ proto: 'tcp', dport: '79', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'FTP',
    description: 'File Transfer Protocol',
    lines: [{ proto: 'tcp', dport: '21', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'Git',
    description: 'Git distributed revision control traffic',
    lines: [{ proto: 'tcp', dport: '9418', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'GNUnet',
    description: 'GNUnet secure peer-to-peer networking traffic',
    lines: [
      { proto: 'tcp', dport: '2086', family: 'any', definedIn: 'both' },
      { proto: 'udp', dport: '2086', family: 'any', definedIn: 'both' },
      { proto: 'tcp', dport: '1080', family: 'any', definedIn: 'both' },
      { proto: 'udp', dport: '1080', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'GRE',
    description: 'Generic Routing Encapsulation tunneling protocol',
    lines: [{ proto: '47', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'HKP',
    description: 'OpenPGP HTTP key server protocol traffic',
    lines: [{ proto: 'tcp', dport: '11371', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'HTTP',
    description: 'Hypertext Transfer Protocol (WWW)',
    lines: [{ proto: 'tcp', dport: '80', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'HTTP/3',
    description: 'Hypertext Transfer Protocol v3',
    lines: [{ proto: 'udp', dport: '443', family: 'any', definedIn: 'proxmox-ve-config' }],
    knownToPveFirewall: false,
    notes: [
      'not in pve-firewall: the API/GUI and the iptables firewall reject it as unknown macro; ' +
        'name contains / so the rule parser (match_name) cannot reference it: unusable in .fw files',
    ],
  },
  {
    name: 'HTTPS',
    description: 'Hypertext Transfer Protocol (WWW) over SSL',
    lines: [{ proto: 'tcp', dport: '443', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'ICPV2',
    description: 'Internet Cache Protocol V2 (Squid) traffic',
    lines: [{ proto: 'udp', dport: '3130', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'ICQ',
    description: 'AOL Instant Messenger traffic',
    lines: [{ proto: 'tcp', dport: '5190', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'IMAP',
    description: 'Internet Message Access Protocol',
    lines: [{ proto: 'tcp', dport: '143', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'IMAPS',
    description: 'Internet Message Access Protocol over SSL',
    lines: [{ proto: 'tcp', dport: '993', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'IPIP',
    description: 'IPIP capsulation traffic',
    lines: [{ proto: '94', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'IPsec',
    description: 'IPsec traffic',
    lines: [
      { proto: 'udp', dport: '500', sport: '500', family: 'any', definedIn: 'both' },
      { proto: '50', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'IPsecah',
    description: 'IPsec authentication (AH) traffic',
    lines: [
      { proto: 'udp', dport: '500', sport: '500', family: 'any', definedIn: 'both' },
      { proto: '51', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'IPsecnat',
    description: 'IPsec traffic and Nat-Traversal',
    lines: [
      { proto: 'udp', dport: '500', family: 'any', definedIn: 'both' },
      { proto: 'udp', dport: '4500', family: 'any', definedIn: 'both' },
      { proto: '50', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'IRC',
    description: 'Internet Relay Chat traffic',
    lines: [{ proto: 'tcp', dport: '6667', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'Jetdirect',
    description: 'HP Jetdirect printing',
    lines: [{ proto: 'tcp', dport: '9100', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'L2TP',
    description: 'Layer 2 Tunneling Protocol traffic',
    lines: [{ proto: 'udp', dport: '1701', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'LDAP',
    description: 'Lightweight Directory Access Protocol traffic',
    lines: [{ proto: 'tcp', dport: '389', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'LDAPS',
    description: 'Secure Lightweight Directory Access Protocol traffic',
    lines: [{ proto: 'tcp', dport: '636', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'Mail',
    description: 'Mail traffic (SMTP, SMTPS, Submission)',
    lines: [
      { proto: 'tcp', dport: '25', family: 'any', definedIn: 'both' },
      { proto: 'tcp', dport: '465', family: 'any', definedIn: 'both' },
      { proto: 'tcp', dport: '587', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'MDNS',
    description: 'Multicast DNS',
    lines: [{ proto: 'udp', dport: '5353', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'MSNP',
    description: 'Microsoft Notification Protocol',
    lines: [{ proto: 'tcp', dport: '1863', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'MSSQL',
    description: 'Microsoft SQL Server',
    lines: [{ proto: 'tcp', dport: '1433', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'Munin',
    description: 'Munin networked resource monitoring traffic',
    lines: [{ proto: 'tcp', dport: '4949', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'MySQL',
    description: 'MySQL server',
    lines: [{ proto: 'tcp', dport: '3306', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'NeighborDiscovery',
    description: 'IPv6 neighbor solicitation, neighbor and router advertisement',
    lines: [
      {
        proto: 'icmpv6',
        icmpType: 'router-solicitation',
        family: 'ipv6',
        definedIn: 'pve-firewall',
      },
      {
        proto: 'icmpv6',
        icmpType: 'router-advertisement',
        family: 'ipv6',
        definedIn: 'pve-firewall',
      },
      {
        proto: 'icmpv6',
        icmpType: 'neighbor-solicitation',
        family: 'ipv6',
        definedIn: 'pve-firewall',
      },
      {
        proto: 'icmpv6',
        icmpType: 'neighbor-advertisement',
        family: 'ipv6',
        definedIn: 'pve-firewall',
      },
      {
        proto: 'icmpv6',
        icmpType: 'nd-router-solicit',
        family: 'ipv6',
        definedIn: 'proxmox-ve-config',
      },
      {
        proto: 'icmpv6',
        icmpType: 'nd-router-advert',
        family: 'ipv6',
        definedIn: 'proxmox-ve-config',
      },
      {
        proto: 'icmpv6',
        icmpType: 'nd-neighbor-solicit',
        family: 'ipv6',
        definedIn: 'proxmox-ve-config',
      },
      {
        proto: 'icmpv6',
        icmpType: 'nd-neighbor-advert',
        family: 'ipv6',
        definedIn: 'proxmox-ve-config',
      },
    ],
    knownToPveFirewall: true,
    notes: [
      'pve-firewall: ipv6-only macro (skipped when compiling the IPv4 ruleset); ' +
        'pve-firewall keeps the ICMP type of macro lines in the dport field',
      'pve-firewall: ipv6-only macro (skipped when compiling the IPv4 ruleset)',
    ],
  },
  {
    name: 'NNTP',
    description: 'NNTP traffic (Usenet).',
    lines: [{ proto: 'tcp', dport: '119', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'NNTPS',
    description: 'Encrypted NNTP traffic (Usenet)',
    lines: [{ proto: 'tcp', dport: '563', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'NTP',
    description: 'Network Time Protocol (ntpd)',
    lines: [{ proto: 'udp', dport: '123', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'OpenVPN',
    description: 'OpenVPN traffic',
    lines: [{ proto: 'udp', dport: '1194', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'OSPF',
    description: 'OSPF multicast traffic',
    lines: [{ proto: '89', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'PBS',
    description: 'Proxmox Backup Server',
    lines: [{ proto: 'tcp', dport: '8007', family: 'any', definedIn: 'proxmox-ve-config' }],
    knownToPveFirewall: false,
    notes: [
      'not in pve-firewall: the API/GUI and the iptables firewall reject it as unknown macro',
    ],
  },
  {
    name: 'PCA',
    description: 'Symantec PCAnywere (tm)',
    lines: [
      { proto: 'udp', dport: '5632', family: 'any', definedIn: 'both' },
      { proto: 'tcp', dport: '5631', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'Ping',
    description: 'ICMP echo request',
    lines: [
      { proto: 'icmp', icmpType: 'echo-request', family: 'ipv4', definedIn: 'both' },
      { proto: 'icmpv6', icmpType: 'echo-request', family: 'ipv6', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
    notes: [
      'pve-firewall: separate IPv6 definition replaces the icmp line with icmpv6 in the IPv6 ruleset; ' +
        'pve-firewall keeps the ICMP type of macro lines in the dport field',
    ],
  },
  {
    name: 'PMG',
    description: 'Proxmox Mail Gateway web interface',
    lines: [{ proto: 'tcp', dport: '8006', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'POP3',
    description: 'POP3 traffic',
    lines: [{ proto: 'tcp', dport: '110', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'POP3S',
    description: 'Encrypted POP3 traffic',
    lines: [{ proto: 'tcp', dport: '995', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'PostgreSQL',
    description: 'PostgreSQL server',
    lines: [{ proto: 'tcp', dport: '5432', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'PPtP',
    description: 'Point-to-Point Tunneling Protocol',
    lines: [
      { proto: '47', family: 'any', definedIn: 'both' },
      { proto: 'tcp', dport: '1723', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'Printer',
    description: 'Line Printer protocol printing',
    lines: [{ proto: 'tcp', dport: '515', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'Razor',
    description: 'Razor Antispam System',
    lines: [{ proto: 'tcp', dport: '2703', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'Rdate',
    description: 'Remote time retrieval (rdate)',
    lines: [{ proto: 'tcp', dport: '37', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'RDP',
    description: 'Microsoft Remote Desktop Protocol traffic',
    lines: [{ proto: 'tcp', dport: '3389', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'RIP',
    description: 'Routing Information Protocol (bidirectional)',
    lines: [{ proto: 'udp', dport: '520', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'RNDC',
    description: 'BIND remote management protocol',
    lines: [{ proto: 'tcp', dport: '953', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'Rsync',
    description: 'Rsync server',
    lines: [{ proto: 'tcp', dport: '873', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'SANE',
    description: 'SANE network scanning',
    lines: [{ proto: 'tcp', dport: '6566', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'SixXS',
    description: 'SixXS IPv6 Deployment and Tunnel Broker',
    lines: [
      { proto: 'tcp', dport: '3874', family: 'any', definedIn: 'both' },
      { proto: 'udp', dport: '3740', family: 'any', definedIn: 'both' },
      { proto: '41', family: 'any', definedIn: 'both' },
      { proto: 'udp', dport: '5072,8374', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'SMB',
    description: 'Microsoft SMB traffic',
    lines: [
      { proto: 'udp', dport: '135,445', family: 'any', definedIn: 'both' },
      { proto: 'udp', dport: '137:139', family: 'any', definedIn: 'both' },
      { proto: 'udp', dport: '1024:65535', sport: '137', family: 'any', definedIn: 'both' },
      { proto: 'tcp', dport: '135,139,445', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'SMBswat',
    description: 'Samba Web Administration Tool',
    lines: [{ proto: 'tcp', dport: '901', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'SMTP',
    description: 'Simple Mail Transfer Protocol',
    lines: [{ proto: 'tcp', dport: '25', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'SMTPS',
    description: 'Encrypted Simple Mail Transfer Protocol',
    lines: [{ proto: 'tcp', dport: '465', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'SNMP',
    description: 'Simple Network Management Protocol',
    lines: [
      { proto: 'udp', dport: '161:162', family: 'any', definedIn: 'both' },
      { proto: 'tcp', dport: '161', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'SPAMD',
    description: 'Spam Assassin SPAMD traffic',
    lines: [{ proto: 'tcp', dport: '783', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'SPICEproxy',
    description: 'Proxmox VE SPICE display proxy traffic',
    lines: [{ proto: 'tcp', dport: '3128', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'Squid',
    description: 'Squid web proxy traffic',
    lines: [{ proto: 'tcp', dport: '3128', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'SSH',
    description: 'Secure shell traffic',
    lines: [{ proto: 'tcp', dport: '22', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'Submission',
    description: 'Mail message submission traffic',
    lines: [{ proto: 'tcp', dport: '587', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'SVN',
    description: 'Subversion server (svnserve)',
    lines: [{ proto: 'tcp', dport: '3690', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'Syslog',
    description: 'Syslog protocol (RFC 5424) traffic',
    lines: [
      { proto: 'udp', dport: '514', family: 'any', definedIn: 'both' },
      { proto: 'tcp', dport: '514', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'Telnet',
    description: 'Telnet traffic',
    lines: [{ proto: 'tcp', dport: '23', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'Telnets',
    description: 'Telnet over SSL',
    lines: [{ proto: 'tcp', dport: '992', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'TFTP',
    description: 'Trivial File Transfer Protocol traffic',
    lines: [{ proto: 'udp', dport: '69', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'Time',
    description: 'RFC 868 Time protocol',
    lines: [{ proto: 'tcp', dport: '37', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'Trcrt',
    description: 'Traceroute (for up to 30 hops) traffic',
    lines: [
      { proto: 'udp', dport: '33434:33524', family: 'any', definedIn: 'both' },
      { proto: 'icmp', icmpType: 'echo-request', family: 'ipv4', definedIn: 'both' },
      { proto: 'icmpv6', icmpType: 'echo-request', family: 'ipv6', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
    notes: [
      'pve-firewall: separate IPv6 definition replaces the icmp line with icmpv6 in the IPv6 ruleset',
      'pve-firewall: separate IPv6 definition replaces the icmp line with icmpv6 in the IPv6 ruleset; ' +
        'pve-firewall keeps the ICMP type of macro lines in the dport field',
    ],
  },
  {
    name: 'VNC',
    description: "VNC traffic for VNC display's 0 - 99",
    lines: [{ proto: 'tcp', dport: '5900:5999', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'VNCL',
    description: 'VNC traffic from Vncservers to Vncviewers in listen mode',
    lines: [{ proto: 'tcp', dport: '5500', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'Web',
    description: 'WWW traffic (HTTP and HTTPS)',
    lines: [
      { proto: 'tcp', dport: '80', family: 'any', definedIn: 'both' },
      { proto: 'tcp', dport: '443', family: 'any', definedIn: 'both' },
    ],
    knownToPveFirewall: true,
  },
  {
    name: 'Webcache',
    description: 'Web Cache/Proxy traffic (port 8080)',
    lines: [{ proto: 'tcp', dport: '8080', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'Webmin',
    description: 'Webmin traffic',
    lines: [{ proto: 'tcp', dport: '10000', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
  {
    name: 'Whois',
    description: 'Whois (nicname, RFC 3912) traffic',
    lines: [{ proto: 'tcp', dport: '43', family: 'any', definedIn: 'both' }],
    knownToPveFirewall: true,
  },
];

const BY_LOWER_NAME: ReadonlyMap<string, Macro> = new Map(
  MACROS.map((m) => [m.name.toLowerCase(), m] as const),
);

/** Case-insensitive lookup (pve-firewall's rule); returns the macro with its canonical name.
 * Also finds PBS and HTTP/3: check `knownToPveFirewall`. proxmox-ve-config matches exactly. */
export function findMacro(name: string): Macro | undefined {
  return BY_LOWER_NAME.get(name.toLowerCase());
}

/** The lines one implementation expands the macro to (lines of the other side left out). */
export function macroLines(
  macro: Macro,
  impl: 'pve-firewall' | 'proxmox-ve-config',
): readonly MacroLine[] {
  return macro.lines.filter((l) => l.definedIn === 'both' || l.definedIn === impl);
}
