// compileKey: a hash of everything the compiled script depends on, so an unchanged tree needs no
// compile (a 1,000-guest tree takes seconds to compile; a timer tick must not). Undefined when
// the clock matters too: a cluster `enable: <timestamp>` is on only for 60 s after it was written.
import { createHash } from 'node:crypto';
import { Diagnostics } from './diag/diagnostic.js';
import type { CompileInputs } from './load/load-inventory.js';
import { checkOptions, optionReader } from './resolve/check-options.js';
import { collectDefinitions } from './resolve/collect-definitions.js';
import { parseFile } from './syntax/parse.js';

interface KeyOptions {
  /** fwgen's version: another compiler may compile the same inputs differently. */
  version: string;
  strict: boolean;
}

export function compileKey(
  { sources, localNetwork, serviceBridges, links }: CompileInputs,
  options: KeyOptions,
): string | undefined {
  if (clusterEnable(sources.cluster) > 1) return undefined;
  // Hashed piece by piece, each length-prefixed (unambiguous), instead of one JSON string of every
  // file: this runs on every timer tick, on megabytes of text.
  const hash = createHash('sha256');
  const put = (text: string): void => {
    hash.update(`${Buffer.byteLength(text)}:`).update(text);
  };
  put(
    JSON.stringify({
      version: options.version,
      node: sources.node,
      strict: options.strict,
      localNetwork,
      serviceBridges,
      links,
    }),
  );
  for (const f of [
    sources.cluster,
    sources.host,
    sources.corosync?.file ?? null,
    ...sources.guests.flatMap((g) => ['conf' in g ? g.conf : g.domain.file, g.fw]),
    ...(sources.vnets ?? []),
    ...(sources.sdn?.files ?? []),
  ]) {
    if (!f) put('-');
    else {
      put(f.path);
      put(f.text);
    }
  }
  return hash.digest('hex');
}

/**
 * The cluster `enable` option as the resolver reads it (0, 1 or a timestamp): cluster.fw alone is
 * parsed, quietly (compile reports its diagnostics), and its [OPTIONS] checked the resolver's way.
 */
function clusterEnable(cluster: CompileInputs['sources']['cluster']): number {
  if (cluster === null) return 0;
  const diags = new Diagnostics();
  const defs = collectDefinitions(parseFile(cluster, diags), 'cluster', diags);
  return optionReader(checkOptions(defs.options, 'cluster', diags), 'cluster')<number>('enable');
}
