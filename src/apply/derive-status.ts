// deriveKernelStatus: does the kernel run what the config compiles to? Compares the compiled
// script's and the kernel listing's digests with those the last apply recorded (state-store.ts).
import type { ApplyState } from './state-store.js';

export type KernelStatus = 'in-sync' | 'pending' | 'drift' | 'not-loaded' | 'unknown';

interface KernelFacts {
  /** Digest of the script the config compiles to; null when it does not compile. */
  configDigest: string | null;
  /** Digest of fwgen's tables as listed now; null when listing failed. */
  kernelDigest: string | null;
  /** fwgen's tables exist in the kernel. */
  loaded: boolean;
}

export function deriveKernelStatus(
  { configDigest, kernelDigest, loaded }: KernelFacts,
  state: Pick<ApplyState, 'configDigest' | 'kernelDigest'> | null,
): KernelStatus {
  if (kernelDigest === null) return 'unknown';
  // The config is what was applied: the kernel either still holds it or was changed by hand.
  if (state !== null && state.configDigest === configDigest)
    return state.kernelDigest === kernelDigest ? 'in-sync' : 'drift';
  return loaded ? 'pending' : 'not-loaded';
}
