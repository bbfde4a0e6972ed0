import { describe, expect, it } from 'vitest';
import { deriveKernelStatus } from '../../src/apply/derive-status.js';

const state = { configDigest: 'c1', kernelDigest: 'k1' };

describe('deriveKernelStatus', () => {
  it('tells in-sync, drift, pending, not-loaded and unknown apart', () => {
    const facts = { configDigest: 'c1', kernelDigest: 'k1', loaded: true };
    expect(deriveKernelStatus(facts, state)).toBe('in-sync');
    expect(deriveKernelStatus({ ...facts, kernelDigest: 'k2' }, state)).toBe('drift');
    expect(deriveKernelStatus({ ...facts, configDigest: 'c2' }, state)).toBe('pending');
    expect(deriveKernelStatus({ ...facts, configDigest: 'c2', loaded: false }, state)).toBe(
      'not-loaded',
    );
    expect(deriveKernelStatus({ ...facts, kernelDigest: null }, state)).toBe('unknown');
    // no apply since boot
    expect(deriveKernelStatus(facts, null)).toBe('pending');
    expect(deriveKernelStatus({ ...facts, loaded: false }, null)).toBe('not-loaded');
    // a config that does not compile, after an apply of one that did not either
    expect(
      deriveKernelStatus(
        { configDigest: null, kernelDigest: 'k0', loaded: false },
        { configDigest: null, kernelDigest: 'k0' },
      ),
    ).toBe('in-sync');
  });
});
