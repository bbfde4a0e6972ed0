// Source of truth for the code; written from docs/data/options.tsv, and test/data/tsv.test.ts
// fails when the keys differ (docs/reference.md §pve-options, §pve-option-lines, §data).
// Every [OPTIONS] key per file kind (pve-firewall $*_option_properties + parse_*fw_option;
// proxmox-ve-config firewall/*.rs Options).
//
// `type` follows what pve-firewall's file parser accepts (tsv column pve_firewall_file_syntax):
// booleans exactly `0`/`1`; integers ASCII digits (API limits in apiMin/apiMax, not enforced when
// parsing files); policies case-insensitive, upper-cased; log levels one of LOG_LEVEL_NAMES,
// case-insensitive and lower-cased (the whole option regex is /i; a rule `-log` value is
// case-sensitive), empty = unset where allowEmpty. Keys are case-insensitive except
// `log_ratelimit` (keyCaseSensitive). proxmox-ve-config is laxer for values (bool: 0 1 true false
// yes no on off; log level `warn`) but stricter for keys (exact case).
// `default` is the effective default when the key is absent (null = unset / no value); where the
// API schema says otherwise, schemaDefault holds the schema value.

import { LOG_LEVEL_NAMES } from './log-levels.js';

export type OptionScope = 'cluster' | 'host' | 'guest' | 'vnet';

const CONNTRACK_HELPERS: readonly string[] = [
  'amanda',
  'ftp',
  'irc',
  'netbios-ns',
  'pptp',
  'sane',
  'sip',
  'snmp',
  'tftp',
];

export type OptionType =
  /** exactly `0` or `1` */
  | { kind: 'boolean' }
  /** ASCII digits; min/max = what the file parser enforces, apiMin/apiMax = API schema only */
  | { kind: 'integer'; min?: number; max?: number; apiMin?: number; apiMax?: number }
  | { kind: 'enum'; values: readonly string[]; caseInsensitive: boolean }
  /** comma list of values from `values` */
  | { kind: 'enum-list'; values: readonly string[]; caseInsensitive: boolean }
  /** option values are matched case-insensitively and lower-cased (the parser regex is /i) */
  | { kind: 'log-level'; allowEmpty: boolean; caseInsensitive: boolean }
  /** property string, see docs/data/options.tsv, docs/reference.md §pve-logging */
  | { kind: 'log-ratelimit' }
  | { kind: 'string' }
  /** cluster `enable`: digits; 0 off, 1 on, >1 a unix timestamp valid for 60 s */
  | { kind: 'enable-timestamp' }
  /** guest `ips_queues`: N or N:M */
  | { kind: 'ips-queues' }
  /** guest `layer2_protocols`: comma list of /etc/ethertypes names or numbers */
  | { kind: 'ethertype-list' };

export type OptionValue = boolean | number | string;

export interface OptionSpec {
  scope: OptionScope;
  /** Key as pve-firewall stores it (lower-case). */
  name: string;
  type: OptionType;
  /** Effective default when the key is absent; null = unset. */
  default: OptionValue | null;
  /** API schema default, only where it differs from the effective default. */
  schemaDefault?: OptionValue | null;
  /** Allowed values, for enum, enum-list and log-level kinds. */
  values?: readonly string[];
  /** Accepted by the pve-firewall file parser (false: warning, line ignored). */
  pveFirewall: boolean;
  /** In the pve-firewall API schema (false for parser-only or proxmox-ve-config-only keys). */
  inApi: boolean;
  /** Key must be written in exactly this case (only `log_ratelimit`). */
  keyCaseSensitive: boolean;
  note?: string;
}

// `as const`: the option names stay literal types, so OptionName<'host'> lists exactly the host
// keys and a misspelled name in the resolver does not compile.
export const OPTIONS = [
  {
    scope: 'cluster',
    name: 'enable',
    type: { kind: 'enable-timestamp' },
    default: 0,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
    note:
      'digits; 0 off, 1 on, >1 = unix timestamp that counts as on for 60 s (anti-lockout); ' +
      'proxmox-ve-config takes a bool and fails on a timestamp',
  },
  {
    scope: 'cluster',
    name: 'ebtables',
    type: { kind: 'boolean' },
    default: true,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
    note: 'proxmox-ve-config default 0 (parsed, unused)',
  },
  {
    scope: 'cluster',
    name: 'policy_in',
    type: { kind: 'enum', values: ['ACCEPT', 'DROP', 'REJECT'], caseInsensitive: true },
    default: 'DROP',
    values: ['ACCEPT', 'DROP', 'REJECT'],
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'cluster',
    name: 'policy_out',
    type: { kind: 'enum', values: ['ACCEPT', 'DROP', 'REJECT'], caseInsensitive: true },
    default: 'ACCEPT',
    values: ['ACCEPT', 'DROP', 'REJECT'],
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'cluster',
    name: 'policy_forward',
    type: { kind: 'enum', values: ['ACCEPT', 'DROP', 'REJECT'], caseInsensitive: true },
    default: 'ACCEPT',
    values: ['ACCEPT', 'DROP', 'REJECT'],
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
    note:
      'API enum is ACCEPT|DROP but the file parser accepts REJECT; ' +
      'no effect in pve-firewall (nftables only)',
  },
  {
    scope: 'cluster',
    name: 'log_ratelimit',
    type: { kind: 'log-ratelimit' },
    default: 'enable=1,rate=1/second,burst=5',
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: true,
    note:
      'key case-sensitive; property string ' +
      '[enable=]<0|1>[,rate=<N>/(second|minute|hour|day)][,burst=<N>]',
  },
  {
    scope: 'host',
    name: 'enable',
    type: { kind: 'boolean' },
    default: true,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'host',
    name: 'nftables',
    type: { kind: 'boolean' },
    default: false,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'host',
    name: 'log_level_in',
    type: { kind: 'log-level', allowEmpty: true, caseInsensitive: true },
    default: 'nolog',
    values: LOG_LEVEL_NAMES,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
    note: 'empty value = unset',
  },
  {
    scope: 'host',
    name: 'log_level_out',
    type: { kind: 'log-level', allowEmpty: true, caseInsensitive: true },
    default: 'nolog',
    values: LOG_LEVEL_NAMES,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'host',
    name: 'log_level_forward',
    type: { kind: 'log-level', allowEmpty: true, caseInsensitive: true },
    default: 'nolog',
    values: LOG_LEVEL_NAMES,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'host',
    name: 'smurf_log_level',
    type: { kind: 'log-level', allowEmpty: true, caseInsensitive: true },
    default: 'nolog',
    values: LOG_LEVEL_NAMES,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'host',
    name: 'tcp_flags_log_level',
    type: { kind: 'log-level', allowEmpty: true, caseInsensitive: true },
    default: 'nolog',
    values: LOG_LEVEL_NAMES,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'host',
    name: 'nosmurfs',
    type: { kind: 'boolean' },
    default: true,
    schemaDefault: null,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
    note: 'schema has no default; effective on: only nosmurfs: 0 disables the SMURFS filter',
  },
  {
    scope: 'host',
    name: 'tcpflags',
    type: { kind: 'boolean' },
    default: false,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'host',
    name: 'ndp',
    type: { kind: 'boolean' },
    default: true,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'host',
    name: 'nf_conntrack_max',
    type: { kind: 'integer', min: 0, apiMin: 32768 },
    default: 262144,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
    note: 'pve-firewall only raises the kernel value (<= 262144 ignored, rounded up to a multiple of 8192)',
  },
  {
    scope: 'host',
    name: 'nf_conntrack_tcp_timeout_established',
    type: { kind: 'integer', min: 0, apiMin: 7875 },
    default: 432000,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'host',
    name: 'nf_conntrack_tcp_timeout_syn_recv',
    type: { kind: 'integer', min: 0, apiMin: 30, apiMax: 60 },
    default: 60,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'host',
    name: 'nf_conntrack_allow_invalid',
    type: { kind: 'boolean' },
    default: false,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'host',
    name: 'nf_conntrack_helpers',
    type: { kind: 'enum-list', values: CONNTRACK_HELPERS, caseInsensitive: true },
    default: '',
    values: CONNTRACK_HELPERS,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
    note: 'comma list, value lower-cased; an unknown helper rejects the option',
  },
  {
    scope: 'host',
    name: 'protection_synflood',
    type: { kind: 'boolean' },
    default: false,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'host',
    name: 'protection_synflood_rate',
    type: { kind: 'integer', min: 0 },
    default: 200,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'host',
    name: 'protection_synflood_burst',
    type: { kind: 'integer', min: 0 },
    default: 1000,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'host',
    name: 'protection_limit',
    type: { kind: 'integer', min: 0 },
    default: null,
    pveFirewall: true,
    inApi: false,
    keyCaseSensitive: false,
    note: 'accepted by the pve-firewall parser, not in the API schema, never used',
  },
  {
    scope: 'host',
    name: 'log_nf_conntrack',
    type: { kind: 'boolean' },
    default: false,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'guest',
    name: 'enable',
    type: { kind: 'boolean' },
    default: false,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'guest',
    name: 'policy_in',
    type: { kind: 'enum', values: ['ACCEPT', 'DROP', 'REJECT'], caseInsensitive: true },
    default: 'DROP',
    values: ['ACCEPT', 'DROP', 'REJECT'],
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'guest',
    name: 'policy_out',
    type: { kind: 'enum', values: ['ACCEPT', 'DROP', 'REJECT'], caseInsensitive: true },
    default: 'ACCEPT',
    values: ['ACCEPT', 'DROP', 'REJECT'],
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'guest',
    name: 'policy_forward',
    type: { kind: 'enum', values: ['ACCEPT', 'DROP', 'REJECT'], caseInsensitive: true },
    default: 'ACCEPT',
    values: ['ACCEPT', 'DROP', 'REJECT'],
    pveFirewall: false,
    inApi: false,
    keyCaseSensitive: false,
    note:
      'not a real guest option: pve-firewall rejects it (warning, line ignored); ' +
      'proxmox-ve-config parses it, unused',
  },
  {
    scope: 'guest',
    name: 'log_level_in',
    type: { kind: 'log-level', allowEmpty: true, caseInsensitive: true },
    default: 'nolog',
    values: LOG_LEVEL_NAMES,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
    note: 'empty value = unset',
  },
  {
    scope: 'guest',
    name: 'log_level_out',
    type: { kind: 'log-level', allowEmpty: true, caseInsensitive: true },
    default: 'nolog',
    values: LOG_LEVEL_NAMES,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'guest',
    name: 'macfilter',
    type: { kind: 'boolean' },
    default: true,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'guest',
    name: 'dhcp',
    type: { kind: 'boolean' },
    default: true,
    schemaDefault: false,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
    note: 'schema default 0, but both implementations treat unset as enabled: only dhcp: 0 disables',
  },
  {
    scope: 'guest',
    name: 'ndp',
    type: { kind: 'boolean' },
    default: true,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'guest',
    name: 'radv',
    type: { kind: 'boolean' },
    default: false,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'guest',
    name: 'ipfilter',
    type: { kind: 'boolean' },
    default: false,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
  },
  {
    scope: 'guest',
    name: 'ips',
    type: { kind: 'boolean' },
    default: false,
    pveFirewall: true,
    inApi: false,
    keyCaseSensitive: false,
    note: 'pve-firewall only (NFQUEUE / Suricata); ignored by proxmox-firewall',
  },
  {
    scope: 'guest',
    name: 'ips_queues',
    type: { kind: 'ips-queues' },
    default: null,
    pveFirewall: true,
    inApi: false,
    keyCaseSensitive: false,
    note: 'N or N:M (regex (\\d+)(:(\\d+))?); pve-firewall only',
  },
  {
    scope: 'guest',
    name: 'layer2_protocols',
    type: { kind: 'ethertype-list' },
    default: null,
    pveFirewall: true,
    inApi: false,
    keyCaseSensitive: false,
    note: 'comma list of /etc/ethertypes names or numbers; unset = all allowed; pve-firewall only (ebtables)',
  },
  {
    scope: 'vnet',
    name: 'enable',
    type: { kind: 'integer', min: 0 },
    default: 0,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
    note: 'boolean in the API and proxmox-ve-config, but the pve-firewall parser takes any digits',
  },
  {
    scope: 'vnet',
    name: 'policy_forward',
    type: { kind: 'enum', values: ['ACCEPT', 'DROP'], caseInsensitive: true },
    default: 'ACCEPT',
    values: ['ACCEPT', 'DROP'],
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
    note: 'proxmox-ve-config also accepts REJECT (emitted as a plain reject)',
  },
  {
    scope: 'vnet',
    name: 'log_level_forward',
    type: { kind: 'log-level', allowEmpty: false, caseInsensitive: true },
    default: 'nolog',
    values: LOG_LEVEL_NAMES,
    pveFirewall: true,
    inApi: true,
    keyCaseSensitive: false,
    note: 'value required',
  },
] as const satisfies readonly OptionSpec[];

/** The option keys of scope S (`OptionName<'guest'>` = 'enable' | 'policy_in' | …). */
export type OptionName<S extends OptionScope> = Extract<
  (typeof OPTIONS)[number],
  { scope: S }
>['name'];

/** The spec of one option of scope S, with its name typed as a key of that scope. */
export type ScopedOption<S extends OptionScope> = OptionSpec & { scope: S; name: OptionName<S> };

/** Look up an option key as pve-firewall does: case-insensitive except `log_ratelimit`.
 * Returns specs with pveFirewall = false too (guest policy_forward): check the flag. */
export function findOption<S extends OptionScope>(
  scope: S,
  key: string,
): ScopedOption<S> | undefined {
  const lower = key.toLowerCase();
  const specs: readonly OptionSpec[] = OPTIONS;
  return specs.find(
    (o): o is ScopedOption<S> =>
      o.scope === scope && (o.keyCaseSensitive ? o.name === key : o.name === lower),
  );
}
