// The fixed helper chains of both tables (reject handling, the policy noise filters of PF's
// PVEFW-Drop/PVEFW-Reject, smurfs, tcpflags, blacklist) and the PF policy construction
// (docs/reference.md §pve-protections, §pve-policies, §pve-reject). Chains are created on first
// use, so a table only carries what it references.
import type * as ir from '../resolve/ir.js';
import type * as nft from '../nft/model.js';
import { names } from './names.js';
import {
  DROP,
  RETURN,
  anonSet,
  ctState,
  familyMatch,
  goto,
  jump,
  logStmts,
  match,
  meta,
  num,
  payload,
  sym,
  verdict,
  type LogSpec,
  type TableKind,
} from './rule-stmts.js';

const rule = (...stmts: nft.Stmt[]): nft.Rule => ({ stmts });

type BuiltinId =
  | 'reject'
  | 'noiseAddr'
  | 'noiseDrop'
  | 'noiseReject'
  | 'smurfs'
  | 'smurfLog'
  | 'tcpFlags'
  | 'tcpFlagsLog'
  | 'blacklist';

/** What the built-in chains need from the config. */
export interface BuiltinSettings {
  ratelimit: ir.LogRateLimit;
  smurfLogLevel: number | null;
  tcpFlagsLogLevel: number | null;
  /** Host IN: host log_level_in; guests: host log_level_out (PF `compile_iptables_filter`). */
  blacklistLogLevel: number | null;
}

/** The built-in chains of one table, created on first `use`. */
export class Builtins {
  private readonly used = new Map<BuiltinId, nft.Chain>();

  constructor(
    readonly table: TableKind,
    private readonly settings: BuiltinSettings,
  ) {}

  /** Chain name of a built-in, creating it (and what it references) on first use. */
  use(id: BuiltinId): string {
    if (id === 'smurfs' && this.table === 'bridge')
      throw new Error('bridge smurfs are inline (no fib in bridge)');
    const n = this.table === 'inet' ? names.inet : names.bridge;
    const name = id === 'reject' ? n.rejectChain : id === 'smurfs' ? names.inet.smurfs : n[id];
    if (!this.used.has(id)) {
      const chain: nft.Chain = { name, rules: [] };
      this.used.set(id, chain); // before building: chains that reference each other terminate
      chain.rules = this.build(id);
    }
    return name;
  }

  /** The chains used so far, in a fixed order. */
  chains(): nft.Chain[] {
    const order: BuiltinId[] = [
      'reject',
      'noiseAddr',
      'noiseDrop',
      'noiseReject',
      'blacklist',
      'smurfs',
      'smurfLog',
      'tcpFlags',
      'tcpFlagsLog',
    ];
    return order.flatMap((id) => {
      const c = this.used.get(id);
      return c ? [c] : [];
    });
  }

  private log(level: number | null, chain: string, message: string): nft.Rule[] {
    if (level === null) return [];
    const spec: LogSpec = { vmid: 0, level, chain, message };
    return [rule(...logStmts(spec, this.settings.ratelimit))];
  }

  private build(id: BuiltinId): nft.Rule[] {
    const inet = this.table === 'inet';
    switch (id) {
      case 'reject':
        return inet ? inetReject() : bridgeReject();
      case 'noiseAddr':
        return noiseAddr(this.table);
      case 'noiseDrop':
        return noiseRest(DROP);
      case 'noiseReject':
        return noiseRest(jump(this.use('reject')));
      case 'smurfs':
        // PF PVEFW-smurfs (IPv4): source 0.0.0.0 (DHCP) is fine, a broadcast or multicast source is
        // a smurf. Called for ct state new,invalid only.
        return [
          rule(match(payload('ip', 'saddr'), sym('0.0.0.0')), verdict(RETURN)),
          rule(
            match({ kind: 'fib', flags: ['saddr'], result: 'type' }, sym('broadcast')),
            verdict(goto(this.use('smurfLog'))),
          ),
          rule(
            match(payload('ip', 'saddr'), { kind: 'prefix', addr: '224.0.0.0', len: 4 }),
            verdict(goto(this.use('smurfLog'))),
          ),
        ];
      case 'smurfLog':
        return [
          ...this.log(this.settings.smurfLogLevel, names.logChain.smurfs, 'DROP: '),
          rule(verdict(DROP)),
        ];
      case 'tcpFlags':
        return tcpFlagPatterns().map((stmts) =>
          rule(...stmts, verdict(goto(this.use('tcpFlagsLog')))),
        );
      case 'tcpFlagsLog':
        return [
          ...this.log(this.settings.tcpFlagsLogLevel, names.logChain.tcpFlags, 'DROP: '),
          rule(verdict(DROP)),
        ];
      case 'blacklist':
        return [
          ...this.log(this.settings.blacklistLogLevel, names.logChain.blacklist, 'DROP: '),
          rule(verdict(DROP)),
        ];
    }
  }
}

/** PF PVEFW-reject (docs/reference.md §pve-reject), inet. */
function inetReject(): nft.Rule[] {
  return [
    rule(
      familyMatch('inet', 4),
      match({ kind: 'fib', flags: ['daddr'], result: 'type' }, sym('broadcast')),
      verdict(DROP),
    ),
    rule(
      match(payload('ip', 'saddr'), { kind: 'prefix', addr: '224.0.0.0', len: 4 }),
      verdict(DROP),
    ),
    rule(match(meta('l4proto'), anonSet([sym('icmp'), sym('icmpv6')])), verdict(DROP)),
    rule(match(meta('l4proto'), sym('tcp')), { kind: 'reject', with: { kind: 'tcp-reset' } }),
    rule(match(meta('l4proto'), sym('udp')), {
      kind: 'reject',
      with: { kind: 'icmpx', code: 'port-unreachable' },
    }),
    rule(familyMatch('inet', 4), {
      kind: 'reject',
      with: { kind: 'icmp', code: 'host-prohibited' },
    }),
    rule(familyMatch('inet', 6), {
      kind: 'reject',
      with: { kind: 'icmpv6', code: 'admin-prohibited' },
    }),
    rule(verdict(DROP)),
  ];
}

/** The bridge variant: no fib in the bridge family, so link-layer broadcast/multicast frames are
 * never answered (`meta pkttype`); reject is only valid in prerouting/input (docs/reference.md
 * §nft-bridge-reject). The last `drop` catches non-IP frames (ARP…), which must never fall back
 * into the caller. */
function bridgeReject(): nft.Rule[] {
  return [
    rule(match(meta('pkttype'), anonSet([sym('broadcast'), sym('multicast')])), verdict(DROP)),
    rule(
      match(payload('ip', 'saddr'), { kind: 'prefix', addr: '224.0.0.0', len: 4 }),
      verdict(DROP),
    ),
    rule(match(meta('l4proto'), anonSet([sym('icmp'), sym('icmpv6')])), verdict(DROP)),
    rule(match(meta('l4proto'), sym('tcp')), { kind: 'reject', with: { kind: 'tcp-reset' } }),
    rule(match(meta('l4proto'), sym('udp')), {
      kind: 'reject',
      with: { kind: 'icmpx', code: 'port-unreachable' },
    }),
    rule(familyMatch('bridge', 4), {
      kind: 'reject',
      with: { kind: 'icmp', code: 'host-prohibited' },
    }),
    rule(familyMatch('bridge', 6), {
      kind: 'reject',
      with: { kind: 'icmpv6', code: 'admin-prohibited' },
    }),
    rule(verdict(DROP)),
  ];
}

/** PVEFW-Drop/Reject part 1: destination broadcast, multicast, anycast (IPv4 address types; in
 * the bridge family, which has no fib, the link-layer packet type stands in for them — anycast
 * cannot be recognised there), 224.0.0.0/4, and IPv6 ff00::/8. Drops only. */
function noiseAddr(table: TableKind): nft.Rule[] {
  const first =
    table === 'inet'
      ? rule(
          familyMatch('inet', 4),
          match(
            { kind: 'fib', flags: ['daddr'], result: 'type' },
            anonSet([sym('broadcast'), sym('multicast'), sym('anycast')]),
          ),
          verdict(DROP),
        )
      : rule(match(meta('pkttype'), anonSet([sym('broadcast'), sym('multicast')])), verdict(DROP));
  return [
    first,
    rule(
      match(payload('ip', 'daddr'), { kind: 'prefix', addr: '224.0.0.0', len: 4 }),
      verdict(DROP),
    ),
    rule(match(payload('ip6', 'daddr'), { kind: 'prefix', addr: 'ff00::', len: 8 }), verdict(DROP)),
  ];
}

/** PVEFW-Drop/Reject part 2 (after the ICMP accepts, which the caller writes inline): `smb` is
 * DROP for the drop variant and `jump do_reject` for the reject variant. */
function noiseRest(smb: nft.Verdict): nft.Rule[] {
  const tcpFlagsMasked = (mask: string[]): nft.Expr => ({
    kind: 'and',
    expr: payload('tcp', 'flags'),
    mask: { kind: 'flags', values: mask, sep: '|' },
  });
  return [
    rule(ctState('invalid'), verdict(DROP)),
    rule(
      match(
        payload('udp', 'dport'),
        anonSet([num(135), { kind: 'range', from: num(137), to: num(139) }, num(445)]),
      ),
      verdict(smb),
    ),
    rule(
      match(payload('udp', 'sport'), num(137)),
      match(payload('udp', 'dport'), { kind: 'range', from: num(1024), to: num(65535) }),
      verdict(smb),
    ),
    rule(match(payload('tcp', 'dport'), anonSet([num(135), num(139), num(445)])), verdict(smb)),
    rule(match(payload('udp', 'dport'), num(1900)), verdict(DROP)),
    // TCP that is not a bare SYN (established traffic was accepted before the policy).
    rule(match(tcpFlagsMasked(['fin', 'syn', 'rst', 'ack']), sym('syn'), '!='), verdict(DROP)),
    rule(match(payload('udp', 'sport'), num(53)), verdict(DROP)),
  ];
}

/** The five illegal flag patterns of docs/reference.md §pve-protections (match statements only). */
export function tcpFlagPatterns(): nft.Stmt[][] {
  const masked = (mask: string[]): nft.Expr => ({
    kind: 'and',
    expr: payload('tcp', 'flags'),
    mask: { kind: 'flags', values: mask, sep: '|' },
  });
  const flags = (values: string[]): nft.Value =>
    values.length === 1 ? sym(values[0] ?? '') : { kind: 'flags', values, sep: '|' };
  const all = ['fin', 'syn', 'rst', 'psh', 'ack', 'urg'];
  return [
    [match(masked(all), flags(['fin', 'psh', 'urg']))],
    [match(masked(all), num(0))],
    [match(masked(['syn', 'rst']), flags(['syn', 'rst']))],
    [match(masked(['fin', 'syn']), flags(['fin', 'syn']))],
    [
      match(payload('tcp', 'sport'), num(0)),
      match(masked(['fin', 'syn', 'rst', 'ack']), sym('syn')),
    ],
  ];
}

/** ICMP errors PVEFW-Drop accepts before the policy (frag-needed, time-exceeded; ICMPv6
 * destination-unreachable, packet-too-big, time-exceeded), with the caller's accept verdict. */
function policyIcmpAccepts(accept: nft.Verdict): nft.Rule[] {
  return [
    rule(
      match(payload('icmp', 'type'), sym('destination-unreachable')),
      match(payload('icmp', 'code'), num(4)),
      verdict(accept),
    ),
    rule(match(payload('icmp', 'type'), sym('time-exceeded')), verdict(accept)),
    rule(
      match(
        payload('icmpv6', 'type'),
        anonSet([sym('destination-unreachable'), sym('packet-too-big'), sym('time-exceeded')]),
      ),
      verdict(accept),
    ),
  ];
}

export interface PolicyContext {
  builtins: Builtins;
  /** The accept verdict of the calling chain: `accept`, or `return` in bridge prerouting. */
  accept: nft.Verdict;
  /** May this chain reject (inet, bridge prerouting)? If not, REJECT is carried out as DROP. */
  rejectAllowed: boolean;
  /** Log spec without message (vmid, level, chain); null = no policy log. */
  log: Omit<LogSpec, 'message'> | null;
  ratelimit: ir.LogRateLimit;
}

/** PF `ruleset_add_chain_policy` (docs/reference.md §pve-policies). The noise chain's ICMP accepts
 * are written inline in the caller: in bridge prerouting "accept" must be `return` from the guest's
 * chain, which a jumped noise chain could not do (its `return` would only come back to the
 * caller). */
export function policyRules(policy: ir.Policy, ctx: PolicyContext): nft.Rule[] {
  if (policy === 'ACCEPT') return [rule(verdict(ctx.accept))];
  const reject = policy === 'REJECT' && ctx.rejectAllowed;
  const rules: nft.Rule[] = [
    rule(verdict(jump(ctx.builtins.use('noiseAddr')))),
    ...policyIcmpAccepts(ctx.accept),
    rule(verdict(jump(ctx.builtins.use(reject ? 'noiseReject' : 'noiseDrop')))),
  ];
  if (ctx.log !== null)
    rules.push(
      rule(...logStmts({ ...ctx.log, message: names.policyMessage(policy) }, ctx.ratelimit)),
    );
  rules.push(rule(verdict(reject ? jump(ctx.builtins.use('reject')) : DROP)));
  return rules;
}
