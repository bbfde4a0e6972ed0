// Issue 11: nothing pve-firewall honours is silently ignored. For every option of every scope (from
// src/data/options.ts, not a hand list), a small tree compiles once with the option at its default
// and once at another valid value: an option marked acted in src/resolve/option-support.ts must
// change the output (the ruleset, or the settings `apply` writes once compile returns them), an
// option marked ignored must leave it alone and get an `option-ignored` warning that names it.
import { describe, expect, it } from 'vitest';
import { compile, type CompileResult } from '../../src/compile.js';
import { OPTIONS, type OptionScope, type OptionSpec } from '../../src/data/options.js';
import type { SourceFile } from '../../src/diag/span.js';
import { optionSupport } from '../../src/resolve/option-support.js';

type Lines = Partial<Record<OptionScope, Record<string, string>>>;

// Options whose effect shows only together with another one (a log rate limit needs a log rule,
// an outbound log level a policy that is not ACCEPT, a TCP-flags log level the TCP-flags filter,
// a SYN-flood rate the SYN-flood filter, IPS queues IPS). The option under test still starts from
// its default in both compiles.
const WITH: Partial<Record<`${OptionScope}/${string}`, Lines>> = {
  'cluster/log_ratelimit': { host: { log_level_in: 'info' } },
  'host/log_level_out': { cluster: { policy_out: 'DROP' } },
  'guest/log_level_out': { guest: { policy_out: 'DROP' } },
  'host/tcp_flags_log_level': { host: { tcpflags: '1' } },
  'host/protection_synflood_rate': { host: { protection_synflood: '1' } },
  'host/protection_synflood_burst': { host: { protection_synflood: '1' } },
  'host/nf_conntrack_tcp_timeout_syn_recv': { host: { protection_synflood: '1' } },
  'guest/ips_queues': { guest: { ips: '1' } },
  'host/log_level_forward': { cluster: { policy_forward: 'DROP' } },
  'vnet/policy_forward': { vnet: { enable: '1' } },
  'vnet/log_level_forward': { vnet: { enable: '1', policy_forward: 'DROP' } },
};

const PATH: Record<OptionScope, string> = {
  cluster: 'firewall/cluster.fw',
  host: 'nodes/pve1/host.fw',
  guest: 'firewall/100.fw',
  vnet: 'sdn/firewall/vnet0.fw',
};

/** The option's default as a file would spell it; undefined when it has none (left out). */
function defaultText(spec: OptionSpec): string | undefined {
  const d = spec.default;
  if (d === null) return undefined;
  return typeof d === 'boolean' ? (d ? '1' : '0') : String(d);
}

/** A valid value other than the default, picked from the option's type. */
function otherText(spec: OptionSpec): string {
  const t = spec.type;
  const d = spec.default;
  switch (t.kind) {
    case 'boolean':
      return d ? '0' : '1';
    case 'integer': {
      if (typeof d !== 'number') return '100';
      // Stay inside the API range where one exists (nf_conntrack_tcp_timeout_syn_recv: 30..60).
      if (t.apiMax !== undefined && d >= t.apiMax) return String(t.apiMin ?? d - 1);
      return String(d === 0 ? 1 : d * 2);
    }
    case 'enable-timestamp':
      return d === 0 ? '1' : '0';
    case 'enum':
      return t.values.find((v) => v !== d)!;
    case 'enum-list':
      return t.values[0]!;
    case 'log-level':
      return d === 'info' ? 'debug' : 'info';
    case 'log-ratelimit':
      return 'enable=1,rate=7/minute,burst=3';
    case 'ips-queues':
      return '2:3';
    case 'ethertype-list':
      return 'IPv4,ARP';
    case 'string':
      return 'x';
  }
}

const BASE: Lines = { cluster: { enable: '1' }, guest: { enable: '1' } };

function file(scope: OptionScope, lines: Lines): SourceFile {
  const options = Object.entries(lines[scope] ?? {}).map(([k, v]) => `${k}: ${v}\n`);
  return { path: PATH[scope], text: `[OPTIONS]\n${options.join('')}` };
}

function compileTree(spec: OptionSpec, value: string | undefined): CompileResult {
  const lines: Lines = {};
  for (const extra of [BASE, WITH[`${spec.scope}/${spec.name}`] ?? {}])
    for (const [scope, kv] of Object.entries(extra) as [OptionScope, Record<string, string>][])
      lines[scope] = { ...lines[scope], ...kv };
  const own = { ...lines[spec.scope] };
  delete own[spec.name];
  if (value !== undefined) own[spec.name] = value;
  lines[spec.scope] = own;
  return compile(
    {
      node: 'pve1',
      cluster: file('cluster', lines),
      host: file('host', lines),
      guests: [
        {
          vmid: 100,
          type: 'qemu',
          conf: {
            path: 'nodes/pve1/qemu-server/100.conf',
            text: 'net0: virtio=BC:24:11:00:01:00,bridge=vmbr0,firewall=1\n',
          },
          fw: file('guest', lines),
        },
      ],
      corosync: null,
      vnets: [file('vnet', lines)],
    },
    {
      format: 'nft',
      localNetwork: [{ family: 4, addr: '192.0.2.0', len: 24 }],
      now: 1_800_000_000,
    },
  );
}

/** What compile hands on: the ruleset, and the settings `apply` writes once compile has them. */
function output(r: CompileResult): string {
  const { settings } = r as CompileResult & { settings?: unknown };
  return JSON.stringify({ ruleset: r.ruleset, settings });
}

function ignoredWarnings(r: CompileResult, spec: OptionSpec): string[] {
  return r.diagnostics
    .filter(
      (d) =>
        d.code === 'option-ignored' &&
        d.span?.file.path === PATH[spec.scope] &&
        d.message.startsWith(`option '${spec.name}' `),
    )
    .map((d) => d.message);
}

const specs: readonly OptionSpec[] = OPTIONS;

describe('every option is acted on or warned about', () => {
  it.each(specs.map((s) => [`${s.scope}/${s.name}`, s] as const))('%s', (_, spec) => {
    const support = optionSupport(spec.scope, spec.name as never);
    const atDefault = compileTree(spec, defaultText(spec));
    const changed = compileTree(spec, otherText(spec));
    // The other value is valid: no error, and the ruleset is there.
    expect(changed.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(changed.ruleset).toBeDefined();
    if ('acted' in support) {
      expect(output(changed), 'marked acted but the output does not change').not.toBe(
        output(atDefault),
      );
      expect(ignoredWarnings(changed, spec)).toEqual([]);
    } else {
      expect(ignoredWarnings(changed, spec)).toHaveLength(1);
      expect(output(changed), 'marked ignored but the output changes').toBe(output(atDefault));
      // A key pve-firewall reads is quiet at its default: fwgen does what it asks.
      if (spec.pveFirewall) expect(ignoredWarnings(atDefault, spec)).toEqual([]);
    }
  });
});
