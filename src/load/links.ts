// The node's network links (`ip -j link`): primary names and altnames. nft's iifname/oifname
// compare the primary name only (docs/plumbing-facts.md §4: `iifname "<altname>"` never matched),
// so host rules that name an interface by an altname are translated with this list
// (src/generate/link-names.ts). Read from a file (`--links FILE`, a saved `ip -j link`) through the
// FileReader, or on the node by running `ip -j link` (apply); unknown (null) off the node.
import { execa } from 'execa';
import type { FileReader } from './file-reader.js';
import { LoadError } from './load-tree.js';

export interface Link {
  ifname: string;
  altnames: string[];
}

/** Parses `ip -j link` output; `where` names the source in errors. */
export function parseLinks(text: string, where: string): Link[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new LoadError(
      `${where}: not 'ip -j link' output: ${e instanceof Error ? e.message : String(e)}`,
      'unreadable',
    );
  }
  if (!Array.isArray(json)) throw new LoadError(`${where}: expected a JSON array`, 'unreadable');
  const out: Link[] = [];
  for (const l of json as unknown[]) {
    const o = (l ?? {}) as { ifname?: unknown; altnames?: unknown };
    if (typeof o.ifname !== 'string')
      throw new LoadError(`${where}: a link without 'ifname'`, 'unreadable');
    const alt = Array.isArray(o.altnames)
      ? o.altnames.filter((a): a is string => typeof a === 'string')
      : [];
    out.push({ ifname: o.ifname, altnames: alt });
  }
  return out;
}

export async function readLinksFile(file: string, reader: FileReader): Promise<Link[]> {
  let text: string;
  try {
    text = await reader.readFile(file);
  } catch (e) {
    throw new LoadError(
      `cannot read links file '${file}': ${(e as NodeJS.ErrnoException).code ?? String(e)}`,
      'unreadable',
    );
  }
  return parseLinks(text, file);
}

/**
 * `ip -j link show` on this node ($FWGEN_IP replaces `ip`, as $FWGEN_NFT does nft), or null
 * with the reason when it cannot run: then nothing is translated and nothing warned about.
 */
export async function readNodeLinks(
  env: Record<string, string | undefined>,
): Promise<{ links: Link[] } | { links: null; why: string }> {
  const r = await execa(env.FWGEN_IP ?? 'ip', ['-j', 'link', 'show'], {
    reject: false,
    env,
    extendEnv: false,
    stdin: 'ignore',
  });
  if (r.exitCode !== 0 || r.failed)
    return { links: null, why: String(r.stderr || r.shortMessage).split('\n')[0] ?? '' };
  try {
    return { links: parseLinks(String(r.stdout), "'ip -j link'") };
  } catch (e) {
    return { links: null, why: e instanceof Error ? e.message : String(e) };
  }
}
