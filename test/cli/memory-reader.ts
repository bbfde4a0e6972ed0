// An in-memory file tree behind the FileReader seam, so CLI tests need no temp dirs. Globs
// support what src/load uses: `*` within one path segment, no dot files.
import path from 'node:path';
import type { FileReader } from '../../src/load/file-reader.js';

export function memoryReader(files: Record<string, string>, stdin = ''): FileReader {
  const norm = (p: string): string => path.posix.normalize(p).replace(/\/$/, '');
  const tree = new Map(Object.entries(files).map(([p, t]) => [norm(p), t]));
  const dirs = new Set<string>();
  for (const p of tree.keys())
    for (let d = path.posix.dirname(p); d !== '.' && d !== '/'; d = path.posix.dirname(d))
      dirs.add(d);
  return {
    readFile: async (p) => {
      const text = tree.get(norm(p));
      if (text !== undefined) return text;
      const code = dirs.has(norm(p)) ? 'EISDIR' : 'ENOENT';
      throw Object.assign(new Error(`${code}: ${p}`), { code });
    },
    readStdin: async () => stdin,
    glob: async (pattern, cwd, only) => {
      const re = new RegExp(
        `^${pattern
          .split('/')
          .map((seg) => seg.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '(?!\\.)[^/]*'))
          .join('/')}$`,
      );
      const prefix = `${norm(cwd)}/`;
      return [...(only === 'files' ? tree.keys() : dirs)]
        .filter((p) => p.startsWith(prefix))
        .map((p) => p.slice(prefix.length))
        .filter((rel) => re.test(rel));
    },
    isDirectory: async (p) => dirs.has(norm(p)),
  };
}
