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

  it("drops a dynamic set's elements (traffic fills it), not a plain set's", () => {
    const set = (name: string, flags: string, elements: string): string =>
      `\tset ${name} {\n\t\ttype ipv4_addr\n\t\tsize 2097152\n${flags}` +
      `\t\ttimeout 30s\n${elements}\t}\n`;
    const meter = (elements: string): string =>
      'table bridge fwgen {\n' +
      set('synflood_v4', '\t\tflags dynamic,timeout\n', elements) +
      set('plain', '\t\tflags interval\n', '\t\telements = { 192.0.2.9 }\n') +
      '\tchain c {\n\t\tip saddr @plain accept\n\t}\n}\n';
    const empty = normaliseListing(meter(''));
    const filled = normaliseListing(
      meter(
        '\t\telements = { 198.51.100.7 timeout 30s expires 29s limit rate over 200/second ' +
          'burst 1000 packets,\n\t\t\t     203.0.113.5 timeout 30s expires 3s }\n',
      ),
    );
    expect(filled).toBe(empty);
    expect(empty).toContain('elements = { 192.0.2.9 }');
    expect(empty).toContain('ip saddr @plain accept');
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
