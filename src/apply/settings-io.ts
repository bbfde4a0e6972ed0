// settingsIo: the real file access behind apply/kernel-settings.ts. Every path is taken under
// $FWGEN_SETTINGS_ROOT (default `/`), so tests work on a copy of /proc, /sys and /var/lib, never
// the machine's; `systemctl` is $FWGEN_SYSTEMCTL (default from PATH), run without a shell.
import { stat, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import type { KernelSettingsIo } from './kernel-settings.js';

export function settingsIo(env: Record<string, string | undefined>): KernelSettingsIo {
  const root = env.FWGEN_SETTINGS_ROOT ?? '/';
  const at = (p: string): string => path.join(root, p);
  return {
    read: async (p) => {
      try {
        return await readFile(at(p), 'utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    // In place (O_TRUNC, no temp file + rename): the unit's sandbox makes only these files
    // writable, not their directories, and /proc and /sys files cannot be renamed onto anyway.
    write: (p, value) => writeFile(at(p), value),
    dirExists: async (p) => (await stat(at(p)).catch(() => null))?.isDirectory() === true,
    restart: async (unit) => {
      const r = await execa(env.FWGEN_SYSTEMCTL ?? 'systemctl', ['try-restart', unit], {
        reject: false,
        env: { ...env, LC_ALL: 'C' },
        extendEnv: false,
      });
      if (r.failed) {
        const why = String(r.stderr).trim().split('\n')[0] || r.shortMessage;
        throw new Error(`systemctl try-restart ${unit} failed: ${why}`);
      }
    },
  };
}
