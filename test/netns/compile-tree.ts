// The lab suites' compile: a fixture tree through the real CLI, for node pve1 and the lab's local
// network, with a fixed clock, so the ruleset the lab loads is exactly what `fwgen compile` prints.
import { main, type Io } from '../../src/cli/main.js';
import { nodeReader } from '../../src/load/file-reader.js';

export async function compileTree(root: string, extra: readonly string[] = []): Promise<string> {
  let out = '';
  let err = '';
  const io = {
    ...nodeReader,
    stdout: (s: string) => void (out += s),
    stderr: (s: string) => void (err += s),
    now: () => 1_800_000_000,
    hostname: () => 'pve1',
  } as unknown as Io;
  const code = await main(
    ['compile', '--root', root, '--node', 'pve1', '--localnet', '192.0.2.0/24', ...extra],
    io,
  );
  if (code !== 0) throw new Error(`compile ${root} exited ${code}\n${err}`);
  return out;
}
