// FileReader: the one seam through which fwgen reads files. src/load takes it as a parameter; the
// CLI passes its Io (tests pass an in-memory tree), `nodeReader` is the real file system.
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import fg from 'fast-glob';

export interface FileReader {
  /** Rejects with an errno-style error (`code: 'ENOENT'`…) when the file cannot be read. */
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
  /**
   * Paths relative to `cwd` that match `pattern` (fast-glob syntax, dot files excluded), of files
   * or of directories; [] when `cwd` does not exist. Unsorted.
   */
  glob(pattern: string, cwd: string, only: 'files' | 'directories'): Promise<string[]>;
  isDirectory(path: string): Promise<boolean>;
}

export const nodeReader: FileReader = {
  // Synchronous under the promise: thousands of small files read far faster without a thread-pool
  // round trip each.
  readFile: async (p) => readFileSync(p, 'utf8'),
  readStdin: async () => {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
  glob: (pattern, cwd, only) =>
    fg(pattern, {
      cwd,
      onlyFiles: only === 'files',
      onlyDirectories: only === 'directories',
      dot: false,
      followSymbolicLinks: true,
    }),
  isDirectory: async (p) => (await stat(p).catch(() => null))?.isDirectory() === true,
};
