// Small hand-built scripts used by the emitter tests. Not a test file itself.
import type {
  Chain,
  Expr,
  NamedMap,
  NamedSet,
  Rule,
  Script,
  Stmt,
  Table,
  Value,
} from '../../src/nft/model.js';

const sym = (value: string): Value => ({ kind: 'sym', value });
const num = (value: number): Value => ({ kind: 'num', value });
const str = (value: string, wildcard?: boolean): Value =>
  wildcard ? { kind: 'str', value, wildcard } : { kind: 'str', value };
const pay = (proto: Extract<Expr, { kind: 'payload' }>['proto'], field: string): Expr => ({
  kind: 'payload',
  proto,
  field,
});
const eq = (left: Expr, right: Value): Stmt => ({ kind: 'match', left, op: '==', right });
const ne = (left: Expr, right: Value): Stmt => ({ kind: 'match', left, op: '!=', right });
const accept: Stmt = { kind: 'verdict', verdict: { kind: 'accept' } };
const drop: Stmt = { kind: 'verdict', verdict: { kind: 'drop' } };
const counter: Stmt = { kind: 'counter' };
const rule = (...stmts: Stmt[]): Rule => ({ stmts });

export interface InetOptions {
  /** Table, chain and set comments: nft 1.0.6 JSON input drops them, so the text/JSON
   * equivalence test leaves them out. */
  objectComments?: boolean;
  /** Replace this rule comment (property tests). */
  ruleComment?: string;
  logPrefix?: string;
}

export function inetTable(opts: InetOptions = {}): Table {
  const oc = opts.objectComments ?? true;
  const mgmt: NamedSet = {
    name: 'ipset_mgmt',
    type: 'ipv4_addr',
    interval: true,
    autoMerge: true,
    ...(oc ? { comment: 'management "nets"' } : {}),
    elements: [
      { kind: 'prefix', addr: '192.0.2.0', len: 24 },
      { kind: 'range', from: sym('198.51.100.10'), to: sym('198.51.100.20') },
      sym('203.0.113.7'),
    ],
  };
  const big: NamedSet = {
    name: 'ipset_big',
    type: 'ipv6_addr',
    interval: false,
    elements: Array.from({ length: 10 }, (_, i) => sym(`2001:db8::${i + 1}`)),
  };
  const inIf: NamedMap = {
    name: 'in_if',
    type: 'ifname',
    elements: [
      { key: str('lo'), verdict: { kind: 'accept' } },
      { key: str('vmbr0'), verdict: { kind: 'jump', chain: 'in_vmbr0' } },
      { key: str('tap100i0'), verdict: { kind: 'goto', chain: 'g100_in' } },
      { key: str('tap101i0'), verdict: { kind: 'drop' } },
      { key: str('veth*'), verdict: { kind: 'return' } },
    ],
  };
  const input: Chain = {
    name: 'input',
    ...(oc ? { comment: 'host input' } : {}),
    base: { type: 'filter', hook: 'input', priority: 0, policy: 'drop' },
    rules: [
      rule({ kind: 'vmap', key: { kind: 'meta', key: 'iifname' }, map: 'in_if' }),
      rule(
        eq(
          { kind: 'ct', key: 'state' },
          { kind: 'flags', values: ['established', 'related'], sep: ',' },
        ),
        accept,
      ),
      rule(eq({ kind: 'ct', key: 'state' }, sym('invalid')), drop),
      rule(
        eq(
          {
            kind: 'and',
            expr: pay('tcp', 'flags'),
            mask: { kind: 'flags', values: ['fin', 'syn'], sep: '|' },
          },
          { kind: 'flags', values: ['fin', 'syn'], sep: '|' },
        ),
        drop,
      ),
      rule(eq(pay('tcp', 'flags'), sym('syn')), counter),
      rule(
        eq({ kind: 'meta', key: 'l4proto' }, { kind: 'set', elements: [sym('tcp'), sym('udp')] }),
        eq(pay('th', 'dport'), num(53)),
        accept,
      ),
      {
        stmts: [
          eq(pay('ip', 'saddr'), { kind: 'set-ref', name: 'ipset_mgmt' }),
          ne(pay('tcp', 'dport'), {
            kind: 'set',
            elements: [num(22), { kind: 'range', from: num(8000), to: num(8100) }],
          }),
          counter,
          drop,
        ],
        comment: opts.ruleComment ?? 'x"; add rule inet t c tcp dport 23 accept comment "y',
      },
      rule(eq({ kind: 'fib', flags: ['saddr'], result: 'type' }, sym('broadcast')), drop),
      rule(ne({ kind: 'fib', flags: ['daddr', 'iif'], result: 'type' }, sym('local')), drop),
      rule(
        { kind: 'limit', rate: 1, per: 'second', burst: 5 },
        { kind: 'log', prefix: opts.logPrefix ?? 'fw-in: "$x"', group: 0 },
      ),
      rule(
        { kind: 'limit', rate: 10, per: 'minute' },
        { kind: 'log', prefix: 'fw-in: ', level: 'info' },
      ),
      rule(eq({ kind: 'meta', key: 'iifname' }, str('tap*', true)), counter),
      rule(eq({ kind: 'meta', key: 'iifname' }, str('odd*')), counter),
      rule(
        eq(
          { kind: 'concat', exprs: [{ kind: 'meta', key: 'iifname' }, pay('ip', 'saddr')] },
          {
            kind: 'set',
            elements: [{ kind: 'concat', values: [str('tap100i0'), sym('192.0.2.100')] }],
          },
        ),
        accept,
      ),
      rule(eq(pay('ip6', 'saddr'), { kind: 'set-ref', name: 'ipset_big' }), accept),
      rule({ kind: 'reject', with: { kind: 'icmpx', code: 'port-unreachable' } }),
    ],
  };
  const inVmbr0: Chain = {
    name: 'in_vmbr0',
    rules: [
      rule(eq({ kind: 'meta', key: 'pkttype' }, sym('broadcast')), drop),
      rule(eq({ kind: 'meta', key: 'nfproto' }, sym('ipv4')), { kind: 'ct-mark-set', value: 100 }),
      rule({ kind: 'meta-mark-set', value: 1 }),
      rule(eq(pay('tcp', 'dport'), num(113)), { kind: 'reject', with: { kind: 'tcp-reset' } }),
      rule(
        eq(pay('icmpv6', 'type'), {
          kind: 'set',
          elements: [sym('nd-neighbor-solicit'), sym('nd-neighbor-advert')],
        }),
        accept,
      ),
      rule({ kind: 'verdict', verdict: { kind: 'return' } }),
    ],
  };
  const g100In: Chain = {
    name: 'g100_in',
    rules: [
      rule(eq(pay('ip', 'saddr'), { kind: 'prefix', addr: '10.0.0.0', len: 8 }), {
        kind: 'reject',
        with: { kind: 'icmp', code: 'host-prohibited' },
      }),
      rule(eq(pay('ip6', 'saddr'), { kind: 'prefix', addr: 'fe80::', len: 10 }), {
        kind: 'reject',
        with: { kind: 'icmpv6', code: 'admin-prohibited' },
      }),
      rule({ kind: 'reject' }),
    ],
  };
  return {
    family: 'inet',
    name: 'fwgen_test',
    ...(oc ? { comment: 'managed by fwgen' } : {}),
    sets: [mgmt, big],
    maps: [inIf],
    chains: [input, inVmbr0, g100In],
  };
}

/** add + delete + define: the atomic replace of docs/reference.md §nft-atomic-replace. */
export function replaceScript(table: Table): Script {
  const ref = { family: table.family, name: table.name };
  return {
    commands: [
      { kind: 'add-table', table: ref },
      { kind: 'delete-table', table: ref },
      { kind: 'define-table', table },
    ],
  };
}

/** A bridge table. With `kernelExtras`, it also uses bridge ct, bridge reject and meta ibrname,
 * which need nf_conntrack_bridge / nft_reject_bridge / nft_meta_bridge in the kernel. */
export function bridgeTable(kernelExtras: boolean): Table {
  const extras: Rule[] = kernelExtras
    ? [
        rule(
          eq({ kind: 'meta', key: 'ibrname' }, str('vmbr0')),
          eq(
            { kind: 'ct', key: 'state' },
            { kind: 'flags', values: ['established', 'related'], sep: ',' },
          ),
          accept,
        ),
        rule({ kind: 'reject', with: { kind: 'icmpx', code: 'admin-prohibited' } }),
      ]
    : [];
  return {
    family: 'bridge',
    name: 'fwgen_br',
    sets: [
      {
        name: 'mac_ok',
        type: ['ifname', 'ether_addr'],
        interval: false,
        comment: 'anti-spoof',
        elements: [{ kind: 'concat', values: [str('tap100i0'), sym('bc:24:11:00:01:00')] }],
      },
    ],
    maps: [
      {
        name: 'out_by_port',
        type: 'ifname',
        elements: [{ key: str('tap100i0'), verdict: { kind: 'jump', chain: 'g100_out' } }],
      },
      {
        name: 'in_by_mac',
        type: 'ether_addr',
        elements: [
          { key: sym('bc:24:11:00:01:00'), verdict: { kind: 'jump', chain: 'g100_in_pre' } },
        ],
      },
    ],
    chains: [
      {
        name: 'prerouting',
        base: { type: 'filter', hook: 'prerouting', priority: -150, policy: 'accept' },
        rules: [
          rule({ kind: 'vmap', key: { kind: 'meta', key: 'iifname' }, map: 'out_by_port' }),
          rule({ kind: 'vmap', key: pay('ether', 'daddr'), map: 'in_by_mac' }),
        ],
      },
      {
        name: 'g100_out',
        rules: [
          rule(
            ne(
              { kind: 'concat', exprs: [{ kind: 'meta', key: 'iifname' }, pay('ether', 'saddr')] },
              { kind: 'set-ref', name: 'mac_ok' },
            ),
            counter,
            drop,
          ),
          rule(
            eq(pay('ether', 'type'), sym('arp')),
            eq(pay('arp', 'saddr ip'), sym('192.0.2.100')),
            accept,
          ),
          rule(eq(pay('ether', 'type'), sym('arp')), drop),
        ],
      },
      {
        name: 'g100_in_pre',
        comment: 'guest 100 inbound',
        rules: [
          rule(eq(pay('tcp', 'dport'), num(22)), accept),
          ...extras,
          rule({ kind: 'verdict', verdict: { kind: 'return' } }),
        ],
      },
    ],
  };
}
