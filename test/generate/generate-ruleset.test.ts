import { describe, expect, it } from 'vitest';
import { generateRuleset } from '../../src/generate/generate-ruleset.js';
import * as b from './ir-builders.js';
import { chainRules, defineTable, gen, tableText } from './text-helpers.js';

const kinds = (cfg: Parameters<typeof generateRuleset>[0], opts = {}): string[] =>
  generateRuleset(cfg, opts).script.commands.map(
    (c) => `${c.kind} ${c.kind === 'define-table' ? c.table.family : c.table.family}`,
  );

describe('generateRuleset: switches', () => {
  it('cluster disabled: only add+delete for both tables', () => {
    const cfg = b.config({ enabled: false, guests: [b.guest(100)] });
    expect(kinds(cfg)).toEqual([
      'add-table inet',
      'delete-table inet',
      'add-table bridge',
      'delete-table bridge',
    ]);
    expect(gen(cfg).text).toBe(
      'add table inet fwgen\ndelete table inet fwgen\nadd table bridge fwgen\ndelete table bridge fwgen\n',
    );
  });

  it('host firewall off: inet table removed, bridge table still built', () => {
    const cfg = b.config({
      host: { options: b.hostOptions({ enable: false }), rules: [] },
      guests: [b.guest(100)],
    });
    expect(kinds(cfg)).toEqual([
      'add-table inet',
      'delete-table inet',
      'add-table bridge',
      'delete-table bridge',
      'define-table bridge',
    ]);
  });

  it('no filtered NIC: bridge table removed', () => {
    const cfg = b.config({
      guests: [
        b.guest(100, { options: b.guestOptions({ enable: false }) }),
        b.guest(101, { nics: [b.nic(101, 0, { firewall: false })] }),
      ],
    });
    expect(kinds(cfg)).toEqual([
      'add-table inet',
      'delete-table inet',
      'define-table inet',
      'add-table bridge',
      'delete-table bridge',
    ]);
  });

  it('table name and base chain priorities come from the options', () => {
    const r = gen(b.config({ guests: [b.guest(100)] }), {
      tableName: 'pvefw2',
      inputPriority: 5,
      outputPriority: 6,
      preroutingPriority: -100,
      postroutingPriority: -90,
    });
    expect(r.text).toContain('table inet pvefw2 {');
    expect(r.text).toContain('table bridge pvefw2 {');
    expect(r.text).toMatch(/chain input \{\n\s+type filter hook input priority 5; policy accept;/);
    expect(r.text).toMatch(
      /chain output \{\n\s+type filter hook output priority 6; policy accept;/,
    );
    expect(r.text).toMatch(
      /chain prerouting \{\n\s+type filter hook prerouting priority -100; policy accept;/,
    );
    expect(r.text).toMatch(
      /chain postrouting \{\n\s+type filter hook postrouting priority -90; policy accept;/,
    );
  });

  it('defaults: priorities 0 (inet) and -150 (bridge, above bridge conntrack at -200)', () => {
    const r = generateRuleset(b.config({ guests: [b.guest(100)] }));
    const inet = defineTable(r.script, 'inet');
    const bridge = defineTable(r.script, 'bridge');
    expect(
      inet?.chains.filter((c) => c.base).map((c) => [c.name, c.base?.hook, c.base?.priority]),
    ).toEqual([
      ['input', 'input', 0],
      ['output', 'output', 0],
    ]);
    expect(
      bridge?.chains.filter((c) => c.base).map((c) => [c.name, c.base?.hook, c.base?.priority]),
    ).toEqual([
      ['prerouting', 'prerouting', -150],
      ['postrouting', 'postrouting', -150],
    ]);
  });

  it('no forward chain while it would accept everything (no FORWARD rule, ACCEPT policy)', () => {
    const text = gen(b.config({ guests: [b.guest(100)] })).text;
    expect(text).not.toContain('hook forward');
    expect(text).not.toContain('meta mark & 536870912');
  });

  it('issue 14: FORWARD rules get a forward chain; the bridge table marks bridged frames', () => {
    const text = gen(
      b.config({
        host: {
          options: b.hostOptions(),
          rules: [b.rule({ direction: 'forward', verdict: 'drop' })],
        },
      }),
    ).text;
    const inet = tableText(text, 'inet');
    expect(inet).toContain('hook forward priority 0');
    expect(inet).toMatch(
      /meta mark & 536870912 == 536870912 accept[^\n]*\n\s*ct state established,related accept/,
    );
    // The bridge table exists for the mark alone (no guest is filtered).
    const bridge = tableText(text, 'bridge');
    expect(bridge).toMatch(
      /hook forward priority -150;[^\n]*\n\s*meta mark set meta mark \| 536870912/,
    );
    expect(bridge).toMatch(
      /hook postrouting priority 100;[^\n]*\n\s*meta mark set meta mark & 3758096383/,
    );
  });

  it('is deterministic: guest and NIC order does not depend on input order', () => {
    const g1 = b.guest(101, { nics: [b.nic(101, 1), b.nic(101, 0)] });
    const g2 = b.guest(100);
    const a = gen(b.config({ guests: [g1, g2] })).text;
    const c = gen(b.config({ guests: [g2, g1] })).text;
    expect(a).toBe(c);
    expect(chainRules(a, 'bridge', 'prerouting')).toEqual(['iifname vmap @out_by_port']);
    expect(a).toContain(
      'elements = { "tap100i0" : jump g100_net0_out, ' +
        '"tap101i0" : jump g101_net0_out, "tap101i1" : jump g101_net1_out }',
    );
  });
});
