// src/data/{icmp-types,macros,options}.ts were written from the tables in docs/data/*.tsv. The
// .ts files are what the program uses; this test keeps them in step with the tables on every
// column that is data rather than prose (the prose columns are read by people: docs/reference.md).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ICMP_TYPES } from '../../src/data/icmp-types.js';
import { MACROS } from '../../src/data/macros.js';
import { OPTIONS } from '../../src/data/options.js';

type Row = Record<string, string>;

function readTsv(name: string): Row[] {
  const text = readFileSync(new URL(`../../docs/data/${name}`, import.meta.url), 'utf8');
  const [header, ...lines] = text.split('\n').filter((l) => l !== '');
  const cols = header!.split('\t');
  return lines.map((line) => {
    const cells = line.split('\t');
    expect(cells, `${name}: ${line}`).toHaveLength(cols.length);
    return Object.fromEntries(cols.map((c, i) => [c, cells[i]!]));
  });
}

const orUndefined = (s: string): string | undefined => (s === '' ? undefined : s);

describe('docs/data/*.tsv and src/data/*.ts agree', () => {
  it('icmp-types.tsv: every named row, same numbers, same acceptance, same nft text', () => {
    // `<0-255>` rows stand for the numeric form, which the code handles without a table entry.
    const rows = readTsv('icmp-types.tsv').filter((r) => r['name'] !== '<0-255>');
    expect(ICMP_TYPES.map((t) => `${t.family} ${t.name}`)).toEqual(
      rows.map((r) => `${r['family']} ${r['name']}`),
    );
    rows.forEach((r, i) => {
      const t = ICMP_TYPES[i]!;
      const where = `${t.family} ${t.name}`;
      expect(t.type, where).toBe(r['type'] === '' ? null : Number(r['type']));
      expect(t.code, where).toBe(r['code'] === '' ? null : Number(r['code']));
      expect(t.pveFirewall, where).toBe(r['pve_firewall']!.startsWith('yes'));
      expect(t.proxmoxFirewall, where).toBe(r['proxmox_firewall']!.startsWith('yes'));
      // `-`: the tsv has no rendering (reject-route); the .ts builds one from type/code.
      if (r['nft_rendering'] !== '-') expect(t.nft, where).toBe(r['nft_rendering']);
    });
  });

  it('macros.tsv: every macro, in order, with the same lines', () => {
    const rows = readTsv('macros.tsv');
    const fromTsv = rows.map((r) => ({
      macro: r['macro'],
      description: r['description'],
      proto: orUndefined(r['proto']!),
      dport: orUndefined(r['dport']!),
      sport: orUndefined(r['sport']!),
      source: orUndefined(r['source']!),
      dest: orUndefined(r['dest']!),
      icmpType: orUndefined(r['icmp_type']!),
      family: r['family'],
      definedIn: r['defined_in'],
    }));
    const fromTs = MACROS.flatMap((m) =>
      m.lines.map((l) => ({
        macro: m.name,
        description: m.description,
        proto: l.proto,
        dport: l.dport,
        sport: l.sport,
        source: l.source,
        dest: l.dest,
        icmpType: l.icmpType,
        family: l.family,
        definedIn: l.definedIn,
      })),
    );
    expect(fromTs).toEqual(fromTsv);
    expect(rows.every((r) => r['action_template'] === 'PARAM')).toBe(true);
    for (const m of MACROS) {
      const sides = new Set(m.lines.map((l) => l.definedIn));
      expect(m.knownToPveFirewall, m.name).toBe(sides.has('both') || sides.has('pve-firewall'));
    }
  });

  it('options.tsv: the same keys per scope, in order', () => {
    const rows = readTsv('options.tsv');
    expect(OPTIONS.map((o) => `${o.scope} ${o.name}`)).toEqual(
      rows.map((r) => `${r['scope']} ${r['option']}`),
    );
  });
});
