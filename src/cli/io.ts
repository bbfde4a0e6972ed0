// Io: everything the CLI touches outside itself: output, the file reader (src/load reads only
// through it), the environment, and the host name, local-network detection and clock that tests
// replace. nodeIo is the real one.
import type { FileReader } from '../load/file-reader.js';
import { nodeReader } from '../load/file-reader.js';
import type * as ir from '../resolve/ir.js';
import type * as ast from '../syntax/ast.js';

export interface Io extends FileReader {
  stdout(s: string): void;
  stderr(s: string): void;
  isTTY: boolean;
  env: Record<string, string | undefined>;
  /** Defaults: os.hostname(), detectLocalNetwork, the clock. Tests replace them. */
  hostname?(): string;
  detectLocalNetwork?(node: string, corosync: ast.CorosyncConf | null): Promise<ir.Cidr[]>;
  now?(): number;
}

export function nodeIo(): Io {
  // `fwgen compile | head`: a closed pipe ends the output, it is not a crash.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    process.exit(process.exitCode ?? 0);
  });
  return {
    ...nodeReader,
    stdout: (s) => void process.stdout.write(s),
    stderr: (s) => void process.stderr.write(s),
    isTTY: process.stdout.isTTY === true,
    env: process.env,
  };
}

/** Unix seconds: the clock compile gets. */
export function nowOf(io: Io): number {
  return io.now?.() ?? Math.floor(Date.now() / 1000);
}

// refused: nft rejected the ruleset (the running one is unchanged); busy: another apply held the
// lock past --wait (EX_TEMPFAIL: try again).
export const EXIT = { ok: 0, errors: 1, usage: 2, refused: 3, internal: 70, busy: 75 } as const;

/** A mistake in how fwgen was called: printed as `fwgen: message`, exit 2, never a stack. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
