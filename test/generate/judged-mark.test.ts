// The "judged" bit of the guest MAC dispatch (docs/decisions.md): `meta mark set meta mark | BIT`
// must keep the other bits in both emitters, and the bit must be one bit outside PF's accept mark
// and the low 16 bits.
import { describe, expect, it } from 'vitest';
import { names } from '../../src/generate/names.js';
import { emitJson } from '../../src/nft/emit-json.js';
import { emitText } from '../../src/nft/emit-text.js';
import type { Script, Table } from '../../src/nft/model.js';

const table = (): Table => ({
  family: 'bridge',
  name: 'fwgen_test',
  sets: [],
  maps: [],
  chains: [
    {
      name: 'c',
      rules: [
        { stmts: [{ kind: 'meta-mark-set', value: names.bridge.judgedMark, or: true }] },
        { stmts: [{ kind: 'meta-mark-set', value: 1 }] },
      ],
    },
  ],
});
const script = (): Script => ({
  commands: [
    { kind: 'add-table', table: { family: 'bridge', name: 'fwgen_test' } },
    { kind: 'delete-table', table: { family: 'bridge', name: 'fwgen_test' } },
    { kind: 'define-table', table: table() },
  ],
});

describe('judged mark', () => {
  it('is a single bit, not 0x80000000 (PF accept mark), not in the low 16 bits', () => {
    const b = names.bridge.judgedMark;
    expect(b & (b - 1)).toBe(0);
    expect(b).not.toBe(0x80000000);
    expect(b & 0xffff).toBe(0);
  });

  it('text: or keeps the other bits; plain set unchanged', () => {
    const t = emitText(script());
    expect(t).toContain('meta mark set meta mark | 268435456\n');
    expect(t).toContain('meta mark set 1\n');
  });

  it('json: or is a | binary expression of the current mark', () => {
    const j = JSON.stringify(emitJson(script()));
    expect(j).toContain(
      '{"mangle":{"key":{"meta":{"key":"mark"}},"value":{"|":[{"meta":{"key":"mark"}},268435456]}}}',
    );
    expect(j).toContain('{"mangle":{"key":{"meta":{"key":"mark"}},"value":1}}');
  });
});
