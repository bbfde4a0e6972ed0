// fwgen's version: package.json's, or the one esbuild writes into the single-file bundle.
import { createRequire } from 'node:module';

/** Set by esbuild in the single-file bundle (packaging/build-deb.mjs), which has no package.json. */
declare const __FWGEN_VERSION__: string | undefined;

export function version(): string {
  if (typeof __FWGEN_VERSION__ === 'string') return __FWGEN_VERSION__;
  // src/cli/version.ts and dist/cli/version.js both sit two levels below package.json.
  const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };
  return pkg.version;
}
