// Test helper: runs nft ONLY inside a fresh, throw-away network namespace (`unshare -n`), never
// in the machine's own namespace. Not a test file itself.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NftRun {
  status: number;
  stdout: string;
  stderr: string;
}

/** True when this machine can create network namespaces and has nft (root in CI). */
export const canNetns: boolean = (() => {
  const r = spawnSync('unshare', ['-n', 'nft', '--version'], { encoding: 'utf8' });
  return r.status === 0;
})();

/** Write `files` to a temp dir and run `sh -c script` in a new network namespace, with the
 * directory as cwd. */
export function inNetns(script: string, files: Record<string, string>): NftRun {
  const dir = mkdtempSync(join(tmpdir(), 'fwgen-nft-'));
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
    const r = spawnSync('unshare', ['-n', 'sh', '-c', script], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `nft -c -f` (check only) of nft text in a fresh namespace. */
export function nftCheckText(text: string): NftRun {
  return inNetns('nft -c -f x.nft', { 'x.nft': text });
}

/** `nft -j -c -f` of a JSON document in a fresh namespace. */
export function nftCheckJson(doc: unknown): NftRun {
  return inNetns('nft -j -c -f x.json', { 'x.json': JSON.stringify(doc) });
}

/** Load text (or JSON) into a fresh namespace and return `nft list ruleset`. */
export function loadAndList(input: { text: string } | { json: unknown }): NftRun {
  return 'text' in input
    ? inNetns('nft -f x.nft && nft list ruleset', { 'x.nft': input.text })
    : inNetns('nft -j -f x.json && nft list ruleset', { 'x.json': JSON.stringify(input.json) });
}
