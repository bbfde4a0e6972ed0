import { describe, expect, it } from 'vitest';
import { compileKey } from '../src/compile-key.js';
import { sourceFile } from '../src/diag/span.js';
import type { CompileInputs } from '../src/load/load-inventory.js';
import { emptySdn } from '../src/load/parse-sdn.js';

const inputs = (cluster: string): CompileInputs => ({
  sources: {
    node: 'pve1',
    cluster: sourceFile('cluster.fw', cluster),
    host: null,
    guests: [],
    corosync: null,
  },
  localNetwork: [],
  serviceBridges: [],
  diagnostics: [],
});
const KEY = { version: '1', strict: false };

describe('compileKey', () => {
  it('is stable for the same inputs and changes with any of them', () => {
    const a = compileKey(inputs('[OPTIONS]\nenable: 1\n'), KEY);
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(compileKey(inputs('[OPTIONS]\nenable: 1\n'), KEY)).toBe(a);
    expect(compileKey(inputs('[OPTIONS]\nenable: 0\n'), KEY)).not.toBe(a);
    expect(compileKey(inputs('[OPTIONS]\nenable: 1\n'), { ...KEY, strict: true })).not.toBe(a);
    expect(compileKey(inputs('[OPTIONS]\nenable: 1\n'), { ...KEY, version: '2' })).not.toBe(a);
  });

  it('changes with the SDN files (an IPAM change changes the +sdn/guest-ipam-* sets)', () => {
    const withSdn = (ipam: string): CompileInputs => {
      const base = inputs('[OPTIONS]\nenable: 1\n');
      const file = sourceFile('sdn/pve-ipam-state.json', ipam);
      const sdn = { files: [file], inventory: emptySdn(), diagnostics: [] };
      return { ...base, sources: { ...base.sources, sdn } };
    };
    const a = compileKey(withSdn('{"zones": {}}'), KEY);
    expect(compileKey(withSdn('{"zones": {}}'), KEY)).toBe(a);
    expect(compileKey(withSdn('{"zones": {"z": {}}}'), KEY)).not.toBe(a);
    expect(compileKey(inputs('[OPTIONS]\nenable: 1\n'), KEY)).not.toBe(a);
  });

  it('is undefined when the cluster enable option is a timestamp (the clock matters)', () => {
    expect(compileKey(inputs('[OPTIONS]\nenable: 1700000000\n'), KEY)).toBeUndefined();
    expect(compileKey(inputs('[options]\n  ENABLE:1700000000\n'), KEY)).toBeUndefined();
  });

  it('reads enable as the resolver does: only the [OPTIONS] option counts', () => {
    // An `enable: N` line in a group is an error there, not the cluster option (a regex over the
    // text took it for one).
    const text = '[OPTIONS]\nenable: 1\n\n[group web]\nenable: 1700000000\n';
    expect(compileKey(inputs(text), KEY)).toMatch(/^[0-9a-f]{64}$/);
  });
});
