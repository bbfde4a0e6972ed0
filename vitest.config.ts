import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The kernel-lab suites boot a VM once per file; nft in namespaces is slow under load.
    testTimeout: 60_000,
    hookTimeout: 600_000,
    // Suites that create network namespaces or boot the lab must not race each other for CPU.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
