import { describe, expect, it } from 'vitest';
import { digestText, normaliseListing } from '../../src/apply/list-own-tables.js';

describe('normaliseListing', () => {
  it('drops handles, counter values and element timeouts', () => {
    const listed =
      'table inet fwgen { # handle 7\n' +
      '\tchain in { # handle 1\n' +
      '\t\ttcp dport 22 counter packets 12 bytes 3456 accept # handle 4\n' +
      '\t}\n' +
      '\tset s {\n' +
      '\t\telements = { 192.0.2.1 expires 9m58s }\n' +
      '\t}\n' +
      '}\n';
    expect(normaliseListing(listed)).toBe(
      'table inet fwgen {\n' +
        '\tchain in {\n' +
        '\t\ttcp dport 22 counter packets 0 bytes 0 accept\n' +
        '\t}\n' +
        '\tset s {\n' +
        '\t\telements = { 192.0.2.1 }\n' +
        '\t}\n' +
        '}\n',
    );
  });

  it('sorts tables, so `list ruleset` and per-table listings digest the same', () => {
    const inet = 'table inet fwgen {\n}\n';
    const bridge = 'table bridge fwgen {\n\tchain c {\n\t}\n}\n';
    expect(normaliseListing(inet + bridge)).toBe(bridge + inet);
    expect(digestText(normaliseListing(`${inet}\n${bridge}`))).toBe(
      digestText(normaliseListing(bridge + inet)),
    );
  });

  it('is empty when no table is listed', () => {
    expect(normaliseListing('')).toBe('');
  });
});
