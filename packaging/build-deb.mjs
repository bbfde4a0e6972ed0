#!/usr/bin/env node
// npm run deb: bundle the CLI into one file with esbuild, lay out an FHS tree and build
// build/fwgen_<version>_all.deb with dpkg-deb. Run after build:grammar (the parser is generated).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { gzipSync } from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
// FWGEN_BUILD_DIR: another output directory, so a test can build without racing `npm run deb`.
const out = process.env.FWGEN_BUILD_DIR
  ? path.resolve(process.env.FWGEN_BUILD_DIR)
  : path.join(root, 'build');
const tree = path.join(out, 'deb');
const at = (p) => path.join(tree, p);

rmSync(tree, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// ESM with code splitting: the entry fwgen.js plus chunks/ for what main.ts imports lazily (the
// parser, generator and emitters), so a timer tick that finds nothing changed, and `--version`,
// do not load and compile them. main() returns the exit code, exitCode (not exit()) lets stdout
// drain.
const bundle = path.join(out, 'bundle');
rmSync(bundle, { recursive: true, force: true });
await build({
  stdin: {
    contents:
      "import { main, nodeIo } from './src/cli/main.ts';\n" +
      'process.exitCode = await main(process.argv.slice(2), nodeIo());\n',
    resolveDir: root,
    sourcefile: 'fwgen-entry.ts',
    loader: 'ts',
  },
  bundle: true,
  platform: 'node',
  target: 'node18',
  format: 'esm',
  splitting: true,
  outdir: bundle,
  entryNames: 'fwgen',
  chunkNames: 'chunks/[name]-[hash]',
  banner: {
    // Some CommonJS dependencies call require(); give the ESM bundle one.
    js:
      "#!/usr/bin/env node\nimport { createRequire as __fwgenRequire } from 'node:module'; " +
      'const require = __fwgenRequire(import.meta.url);',
  },
  define: { __FWGEN_VERSION__: JSON.stringify(pkg.version) },
  legalComments: 'none',
  logLevel: 'warning',
});

const install = (from, to, mode) => {
  mkdirSync(path.dirname(at(to)), { recursive: true });
  copyFileSync(from, at(to));
  chmodSync(at(to), mode);
};
install(path.join(bundle, 'fwgen.js'), 'usr/lib/fwgen/fwgen.js', 0o755);
for (const chunk of readdirSync(path.join(bundle, 'chunks')))
  install(path.join(bundle, 'chunks', chunk), `usr/lib/fwgen/chunks/${chunk}`, 0o644);
// Without "type": "module" next to it node would read the bundle as CommonJS.
writeFileSync(at('usr/lib/fwgen/package.json'), '{ "type": "module" }\n');
mkdirSync(at('usr/bin'), { recursive: true });
symlinkSync('../lib/fwgen/fwgen.js', at('usr/bin/fwgen'));
for (const unit of ['fwgen.service', 'fwgen.timer', 'fwgen-stop.service']) {
  install(path.join(root, 'packaging', unit), `lib/systemd/system/${unit}`, 0o644);
}
mkdirSync(at('usr/share/man/man8'), { recursive: true });
writeFileSync(
  at('usr/share/man/man8/fwgen.8.gz'),
  gzipSync(readFileSync(path.join(root, 'packaging', 'fwgen.8')), { level: 9 }),
);
install(path.join(root, 'packaging', 'copyright'), 'usr/share/doc/fwgen/copyright', 0o644);
install(path.join(root, 'packaging', 'README.md'), 'usr/share/doc/fwgen/README.md', 0o644);

mkdirSync(at('DEBIAN'), { recursive: true });
writeFileSync(
  at('DEBIAN/control'),
  `Package: fwgen
Version: ${pkg.version}
Architecture: all
Maintainer: fwgen developers <fwgen@example.org>
Depends: nodejs (>= 18), nftables
Section: net
Priority: optional
Homepage: https://example.org/fwgen
Description: Proxmox VE firewall configs compiled to nftables
 fwgen reads the Proxmox VE firewall configuration (/etc/pve/firewall,
 host.fw, guest configs) and loads it as nftables tables of its own, as a
 drop-in replacement for pve-firewall. The package starts nothing by itself;
 see /usr/share/doc/fwgen/README.md to hand over from pve-firewall.
`,
);
for (const script of ['postinst', 'prerm', 'postrm'])
  install(path.join(root, 'packaging', 'debian', script), `DEBIAN/${script}`, 0o755);

const deb = path.join(out, `fwgen_${pkg.version}_all.deb`);
// --root-owner-group: files owned by root in the package whoever builds it.
execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', tree, deb], {
  stdio: ['ignore', 'ignore', 'inherit'],
});
console.log(deb);
