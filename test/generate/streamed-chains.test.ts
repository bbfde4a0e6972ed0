// streamed-chains.ts: compile writes the guest chains to text as they are built; the text must be
// the one the whole model gives (generateRuleset without streaming, then emitText), on every golden
// tree and on synthetic trees large enough to share lists between guests. The stand-ins must keep
// what the emitter's checks read.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/compile.js';
import { generateRuleset } from '../../src/generate/generate-ruleset.js';
import { StreamedChains } from '../../src/generate/streamed-chains.js';
import { nodeReader } from '../../src/load/file-reader.js';
import { loadInputs } from '../../src/load/load-inventory.js';
import { emitText } from '../../src/nft/emit-text.js';
import type * as nft from '../../src/nft/model.js';
import { NftIdentifierError } from '../../src/nft/quote.js';
import { goldenTrees, REPO } from '../golden/split-tables.js';

const LOCALNET = [{ family: 4 as const, addr: '192.0.2.0', len: 24 }];

/** Streamed (compile's way) and whole-model text of one tree, with the generator's warnings. */
async function bothWays(root: string): Promise<{ streamed: string; whole: string }> {
  const inputs = await loadInputs({ root }, 'pve1', {
    reader: nodeReader,
    localNetwork: LOCALNET,
  });
  const result = compile(inputs.sources, {
    format: 'nft',
    localNetwork: LOCALNET,
    now: 0,
    streamGuestChains: true,
  });
  if (result.config === undefined || typeof result.ruleset !== 'string')
    throw new Error(`${root}: no ruleset`);
  // Streamed: the script holds stand-ins, so compile hands out no model.
  if (result.config.enabled && result.script !== undefined)
    throw new Error(`${root}: not streamed`);
  const { script } = generateRuleset(result.config);
  return { streamed: result.ruleset, whole: emitText(script) };
}

describe('streamed guest chains', () => {
  it.each(goldenTrees().map((dir) => [path.relative(REPO, dir), dir]))(
    'give the whole model text: %s',
    async (_name, dir) => {
      const { streamed, whole } = await bothWays(dir);
      expect(streamed).toBe(whole);
    },
  );

  const work = mkdtempSync(path.join(os.tmpdir(), 'fwgen-streamed-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));
  // Lists shared by guests (hoisted to @list_…) and lists used once (inline) both occur here.
  it.each([
    [1, []],
    [2, ['--no-guest-ipsets']],
    [3, []],
  ] as const)('give the whole model text: gen-tree seed %i %j', async (seed, extra) => {
    const dir = path.join(work, `seed${seed}`);
    execFileSync(
      process.execPath,
      [
        path.join(REPO, 'bench', 'gen-tree.mjs'),
        dir,
        '--guests',
        '60',
        '--rules',
        '12',
        '--ipset-entries',
        '300',
        '--seed',
        String(seed),
        ...extra,
      ],
      { stdio: 'pipe' },
    );
    const { streamed, whole } = await bothWays(dir);
    expect(streamed).toMatch(/@list_/);
    expect(streamed).toBe(whole);
  });

  it('are written once: a second emit, or none, is refused, never the stand-in', () => {
    const streamed = new StreamedChains();
    const accept: nft.Rule = { stmts: [{ kind: 'verdict', verdict: { kind: 'accept' } }] };
    const [standIn] = streamed.add([{ name: 'g100_net0_out', rules: [accept] }]);
    const script: nft.Script = {
      commands: [
        {
          kind: 'define-table',
          table: { family: 'bridge', name: 'fwgen', sets: [], maps: [], chains: [standIn!] },
        },
      ],
    };
    const emit = (): string => emitText(script, { chainText: (t, c) => streamed.text(t, c) });
    expect(() => streamed.assertAllWritten()).toThrow(/never written/);
    expect(emit()).toContain('chain g100_net0_out {\n    accept\n  }');
    expect(() => streamed.assertAllWritten()).not.toThrow();
    expect(emit).toThrow(/written twice/);
  });

  it('keep the references the emitter checks', () => {
    const streamed = new StreamedChains();
    const jumpNowhere: nft.Rule = {
      stmts: [{ kind: 'verdict', verdict: { kind: 'jump', chain: 'nowhere' } }],
    };
    const [standIn] = streamed.add([{ name: 'g100_net0_out', rules: [jumpNowhere] }]);
    const table: nft.Table = {
      family: 'bridge',
      name: 'fwgen',
      sets: [],
      maps: [],
      chains: [standIn!],
    };
    expect(() =>
      emitText(
        { commands: [{ kind: 'define-table', table }] },
        { chainText: (t, c) => streamed.text(t, c) },
      ),
    ).toThrow(NftIdentifierError);
  });
});
