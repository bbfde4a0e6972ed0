import type { ApplyState } from '../../src/apply/state-store.js';
// Shared by the apply tests: a temporary /etc/pve tree, a state dir, and `fwgen` run in-process
// through main() with real files, a fixed node name and local network, and env overrides.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main, type Io } from '../../src/cli/main.js';
import { nodeReader } from '../../src/load/file-reader.js';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const FAKE_NFT = path.join(HERE, 'fake-nft.sh');
export const FAILING_NFT = path.join(HERE, 'failing-nft.sh');
/** Appends its arguments to $FAKE_SYSTEMCTL_LOG. */
export const FAKE_SYSTEMCTL = path.join(HERE, 'fake-systemctl.sh');

/** The kernel's values of the settings apply enforces, equal to PF's defaults: nothing to write. */
export const KERNEL_DEFAULTS: Record<string, string> = {
  'proc/sys/net/netfilter/nf_conntrack_max': '262144\n',
  'sys/module/nf_conntrack/parameters/hashsize': '65536\n',
  'proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established': '432000\n',
  'proc/sys/net/netfilter/nf_conntrack_tcp_timeout_syn_recv': '60\n',
  'proc/sys/net/ipv4/tcp_syncookies': '1\n',
};
export const FAKE_IP = path.join(HERE, 'fake-ip.sh');

export const CLUSTER_FW = `[OPTIONS]
enable: 1
policy_in: DROP

[RULES]
IN SSH(ACCEPT) -source 192.0.2.10
IN ACCEPT -p tcp -dport 8006
`;
export const HOST_FW = '[OPTIONS]\nenable: 1\n';
export const GUEST_CONF =
  'net0: virtio=BC:24:11:00:01:00,bridge=vmbr0,firewall=1\nnet1: virtio=BC:24:11:00:01:01,bridge=vmbr0\n';
export const GUEST_FW = '[OPTIONS]\nenable: 1\npolicy_in: DROP\n\n[RULES]\nIN HTTP(ACCEPT)\n';

export interface Sandbox {
  dir: string;
  root: string;
  state: string;
  /** $FWGEN_SETTINGS_ROOT: a fake /proc, /sys (KERNEL_DEFAULTS) and /var/lib; never the real one. */
  settings: string;
  write(rel: string, text: string): Promise<void>;
  cleanup(): Promise<void>;
}

/** A tree for node pve1: cluster.fw, host.fw, and guest 100 unless `guests` is false. */
export async function sandbox(opts: { guests?: boolean } = {}): Promise<Sandbox> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fwgen-apply-'));
  const root = path.join(dir, 'pve');
  const write = async (rel: string, text: string): Promise<void> => {
    await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
    await writeFile(path.join(root, rel), text);
  };
  await write('firewall/cluster.fw', CLUSTER_FW);
  await write('nodes/pve1/host.fw', HOST_FW);
  if (opts.guests !== false) {
    await write('nodes/pve1/qemu-server/100.conf', GUEST_CONF);
    await write('firewall/100.fw', GUEST_FW);
  }
  const settings = path.join(dir, 'sysroot');
  for (const [rel, value] of Object.entries(KERNEL_DEFAULTS)) {
    await mkdir(path.dirname(path.join(settings, rel)), { recursive: true });
    await writeFile(path.join(settings, rel), value);
  }
  return {
    dir,
    root,
    state: path.join(dir, 'state'),
    settings,
    write,
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export async function fwgen(argv: string[], env: Record<string, string | undefined>): Promise<Run> {
  // apply and diff read and write kernel settings: only ever under a test's own root
  if (/^(apply|diff)$/.test(argv[0] ?? '') && env.FWGEN_SETTINGS_ROOT === undefined)
    throw new Error('fwgen apply/diff in a test needs FWGEN_SETTINGS_ROOT (sandbox().settings)');
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    ...nodeReader,
    readStdin: async () => '',
    isTTY: false,
    // never the real /run: apply removes the fwbr flag file there
    env: {
      PATH: process.env.PATH,
      FWGEN_FWBR_FLAG: '/nonexistent/fwgen-test/flag',
      FWGEN_PVE_FIREWALL_PIDFILE: '/nonexistent/fwgen-test/pid',
      // apply, diff and status read the node's links: a fixed node, not this machine's
      FWGEN_IP: FAKE_IP,
      ...env,
    },
    hostname: () => 'pve1',
    detectLocalNetwork: async () => [{ family: 4, addr: '192.0.2.0', len: 24 }],
    now: () => 1_700_000_000,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

/** state.json as apply wrote it. */
export const readJson = async (file: string): Promise<ApplyState> =>
  JSON.parse(await readFile(file, 'utf8')) as ApplyState;
