// Every diagnostic code fwgen can print: stable kebab-case ids, used by tests and `--json`.
// Diagnostics.error/warning take only these, so a misspelled code does not compile, and
// test/golden.test.ts checks that fixtures/errors/<code>/ exists for exactly these codes.
export const DIAGNOSTIC_CODES = [
  // syntax: .fw files, guest configs, corosync.conf
  'syntax-error',
  'rule-option-without-value',
  'no-section',
  'invalid-nic',
  'duplicate-nic',
  'invalid-mac',
  'corosync-syntax',
  'corosync-node-without-name',
  // definitions and their names
  'unknown-section',
  'section-not-allowed',
  'header-comment',
  'option-comment',
  'duplicate-alias',
  'duplicate-group',
  'duplicate-ipset',
  'duplicate-ipset-entry',
  'duplicate-option',
  'invalid-alias-name',
  'invalid-ipset-name',
  'invalid-group-name',
  'unknown-option',
  'invalid-option-value',
  'option-ignored',
  // addresses and ipsets
  'invalid-address',
  'invalid-prefix',
  'cidr-host-bits',
  'host-bits-masked',
  'zero-prefix',
  'backwards-address-range',
  'range-in-list',
  'range-not-allowed',
  'mixed-families',
  'unknown-alias',
  'unknown-ipset',
  'empty-sdn-ipset',
  // groups
  'unknown-group',
  'nested-group',
  'group-keyword-case',
  'group-option-not-allowed',
  // rules
  'unknown-direction',
  'direction-not-allowed',
  'unknown-action',
  'unknown-macro',
  'macro-conflict',
  'macro-family-mismatch',
  'unknown-protocol',
  'unknown-service',
  'invalid-port',
  'backwards-port-range',
  'ports-without-protocol',
  'unknown-icmp-type',
  'invalid-icmp-type',
  'icmp-type-with-dport',
  'icmp-type-without-icmp',
  'invalid-iface',
  'iface-not-allowed',
  'unknown-nic',
  'unknown-log-level',
  'unknown-rule-option',
  'duplicate-rule-option',
  'disabled-rule',
  'forward-reject',
  'forward-ignored',
  // guests and cluster
  'nic-name-too-long',
  'corosync-hostname',
  // libvirt inventory
  'invalid-domain-xml',
  'invalid-network-xml',
  'duplicate-domain',
  'unknown-domain',
  'libvirt-no-device',
  'libvirt-interface',
  'libvirt-direct-interface',
  // generator workarounds (src/generate/warning.ts)
  'inbound-reject-as-drop',
  'no-mac-filter',
  // guest layer 2 (layer2_protocols)
  'unknown-ethertype',
  // SDN files (src/load/parse-sdn.ts)
  'invalid-sdn-config',
  // the node's links (src/generate/link-names.ts)
  'unknown-interface',
  // VNet firewall files whose bridge cannot be filtered here (src/generate/vnet-bridges.ts)
  'vnet-no-bridge',
] as const;

export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number];
