// SYN-flood protection (host option `protection_synflood`): pve-firewall's raw-table hashlimit
// (docs/reference.md §pve-protections) as a per-source dynamic set in prerouting at
// priority -300, before conntrack, so a flood never creates conntrack entries. One copy in each
// table: `table inet` sees the host's and routed traffic, `table bridge` the bridged (guest)
// traffic, which PF's raw PREROUTING sees through br_netfilter (kernel lab:
// test/kernel-lab/facts/parity-facts.sh synflood).
import type * as ir from '../resolve/ir.js';
import type * as nft from '../nft/model.js';
import { names } from './names.js';
import { DROP, match, payload, sym, verdict } from './rule-stmts.js';

/** PF's defaults; PF also uses them when the option is 0 (`$opt ? $opt : 200`). */
const DEFAULT_RATE = 200;
const DEFAULT_BURST = 1000;
const DEFAULT_EXPIRE = 60;
/** PF's `--hashlimit-htable-size 2097152`: the meter's capacity. A source that finds the set full
 * is not limited (as with a full hashlimit table), so keep it as large as PF's. */
const SET_SIZE = 2097152;
/** PF's `--hashlimit-srcmask 64` for IPv6: one budget per /64. */
const V6_PREFIX_MASK = 'ffff:ffff:ffff:ffff::';

/** The synflood sets and base chain of one table; null when the option is off. */
export function synfloodParts(
  options: ir.HostOptions,
): { sets: nft.NamedSet[]; chain: nft.Chain } | null {
  if (!options.protectionSynflood) return null;
  const rate = options.protectionSynfloodRate || DEFAULT_RATE;
  const burst = options.protectionSynfloodBurst || DEFAULT_BURST;
  // hashlimit forgets a source after `htable-expire` ms of silence; `update` refreshes the
  // element's timeout on every SYN, which is that behaviour.
  const timeout = options.nfConntrackTcpTimeoutSynRecv || DEFAULT_EXPIRE;
  const sets: nft.NamedSet[] = ([4, 6] as const).map((family) => ({
    name: names.protect.synfloodSet(family),
    type: family === 4 ? 'ipv4_addr' : 'ipv6_addr',
    interval: false,
    elements: [],
    dynamic: { timeout, size: SET_SIZE },
  }));
  // iptables `--syn`: of FIN, SYN, RST, ACK only SYN is set.
  const isSyn = match(
    {
      kind: 'and',
      expr: payload('tcp', 'flags'),
      mask: { kind: 'flags', values: ['fin', 'syn', 'rst', 'ack'], sep: '|' },
    },
    sym('syn'),
  );
  const limit: nft.LimitStmt = { kind: 'limit', rate, per: 'second', burst, over: true };
  const v4: nft.Expr = payload('ip', 'saddr');
  const v6: nft.Expr = { kind: 'and', expr: payload('ip6', 'saddr'), mask: sym(V6_PREFIX_MASK) };
  const rules: nft.Rule[] = [
    {
      stmts: [
        isSyn,
        { kind: 'set-update', set: names.protect.synfloodSet(4), key: v4, limit },
        verdict(DROP),
      ],
    },
    {
      stmts: [
        isSyn,
        { kind: 'set-update', set: names.protect.synfloodSet(6), key: v6, limit },
        verdict(DROP),
      ],
    },
  ];
  const chain: nft.Chain = {
    name: names.protect.synflood,
    base: { type: 'filter', hook: 'prerouting', priority: -300, policy: 'accept' },
    rules,
  };
  return { sets, chain };
}
