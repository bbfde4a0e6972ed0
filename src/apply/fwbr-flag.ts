// The firewall-bridge flag. qemu-server and pve-container put a `firewall=1` NIC behind a fwbr
// bridge when `/run/proxmox-nftables-firewall-force-disable` exists (PF
// `Firewall/Helpers.pm:needs_fwbr`; OVS bridges always get one). pve-firewall creates the file in
// iptables mode and never removes it on stop, so after a hand-over it would keep giving every
// newly started guest the fwbr plumbing that only iptables needs. fwgen filters guests on the
// bridge itself, like proxmox-firewall, whose mode pve-firewall marks by removing the file: fwgen
// removes it too once its tables are loaded. Not while pve-firewall runs (a manual `fwgen apply`
// before the switch): pve-firewall still filters then, and its rules see only fwbr guests.
import { readFile, unlink } from 'node:fs/promises';

export const FWBR_FLAG = '/run/proxmox-nftables-firewall-force-disable';
/** PVE::Daemon's pid file for pve-firewall (`/var/run/<name>.pid`; /var/run is /run). */
export const PVE_FIREWALL_PIDFILE = '/run/pve-firewall.pid';

export interface FlagPaths {
  flag: string;
  pidFile: string;
}

export function flagPaths(env: Record<string, string | undefined>): FlagPaths {
  return {
    flag: env.FWGEN_FWBR_FLAG ?? FWBR_FLAG,
    pidFile: env.FWGEN_PVE_FIREWALL_PIDFILE ?? PVE_FIREWALL_PIDFILE,
  };
}

export interface FlagFs {
  readFile(path: string): Promise<string>;
  unlink(path: string): Promise<void>;
  /** true when a process with this pid exists (kill -0) */
  alive(pid: number): boolean;
}

export const nodeFlagFs: FlagFs = {
  readFile: (p) => readFile(p, 'utf8'),
  unlink: (p) => unlink(p),
  alive: (pid) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      // EPERM: it exists, it is just not ours to signal.
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
};

export type FlagOutcome = 'removed' | 'absent' | 'kept: pve-firewall runs' | `failed: ${string}`;

/** Removes the flag unless pve-firewall runs; never throws (the ruleset is what matters). */
export async function releaseFwbrFlag(
  paths: FlagPaths,
  log: (line: string) => void,
  fs: FlagFs = nodeFlagFs,
): Promise<FlagOutcome> {
  const pid = Number((await fs.readFile(paths.pidFile).catch(() => '')).trim());
  if (Number.isInteger(pid) && pid > 0 && fs.alive(pid)) {
    // Quietly: pve-firewall writes the file again on each of its updates anyway.
    return 'kept: pve-firewall runs';
  }
  try {
    await fs.unlink(paths.flag);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return 'absent';
    const why = code ?? String(e);
    log(
      `warning: cannot remove ${paths.flag} (${why}): guests started now still get a fwbr bridge`,
    );
    return `failed: ${why}`;
  }
  log(
    `removed ${paths.flag}: guests started from now on are plugged into their bridge directly (no fwbr)`,
  );
  return 'removed';
}
