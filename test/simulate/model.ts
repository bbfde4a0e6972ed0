// Test helper: a fixture tree compiled as the lab suites compile it (node pve1, local network
// 192.0.2.0/24, fixed clock), with the ir.Config and the nft model simulate runs on.
import { compile } from '../../src/compile.js';
import { generateRuleset } from '../../src/generate/generate-ruleset.js';
import { nodeReader } from '../../src/load/file-reader.js';
import { loadInputs } from '../../src/load/load-inventory.js';
import { emitText } from '../../src/nft/emit-text.js';
import type * as nft from '../../src/nft/model.js';
import type * as ir from '../../src/resolve/ir.js';

export interface Model {
  config: ir.Config;
  script: nft.Script;
  /** the ruleset text, as `fwgen compile` prints it */
  text: string;
}

export const LOCALNET: ir.Cidr = { family: 4, addr: '192.0.2.0', len: 24 };
/** The lab host's addresses (test/netns/lab.sh). */
export const LAB_HOST = {
  addrs: [
    { family: 4 as const, addr: '192.0.2.1', len: 24 },
    { family: 6 as const, addr: '2001:db8::1', len: 64 },
  ],
};

export async function loadModel(root: string): Promise<Model> {
  const inputs = await loadInputs({ inventory: 'pve', root }, 'pve1', {
    reader: nodeReader,
    env: {},
    localNetwork: [LOCALNET],
  });
  const r = compile(inputs.sources, {
    format: 'nft',
    localNetwork: inputs.localNetwork,
    now: 1_800_000_000,
    serviceBridges: inputs.serviceBridges,
  });
  if (r.config === undefined || typeof r.ruleset !== 'string')
    throw new Error(`${root}: no ruleset`);
  const { script } = generateRuleset(r.config, { serviceBridges: inputs.serviceBridges });
  const text = emitText(script);
  if (text !== r.ruleset) throw new Error(`${root}: model and compiled text differ`);
  return { config: r.config, script, text };
}
