// Kernel settings that pve-firewall writes on every apply (conntrack table size, TCP timeouts,
// syncookies, pvefw-logger's conntrack flag): which values the host options ask for, and the
// read-compare-write that apply, `diff` and `apply --dry-run` share. File access is injected;
// this module touches nothing itself.
// Facts behind it (kernel 6.1, measured): docs/nft-facts.md section 6.

/** One setting: a sysctl name (`net.netfilter.nf_conntrack_max`) or an absolute path (module
 * parameters, which have no sysctl name). */
export interface KernelSetting {
  name: string;
  value: string;
  /** Write this one only when the named setting changes in the same run (PF resizes the
   * conntrack hash table only together with nf_conntrack_max: a resize rehashes every entry). */
  onlyWith?: string;
  /** A plain file of another package (not /proc, /sys): shown as `file`, and left alone when its
   * directory does not exist (that package is not installed). */
  file?: true;
  /** systemd unit to `try-restart` after this setting was written (it reads the value at start). */
  restart?: string;
}

export interface KernelSettingChange {
  name: string;
  /** As in KernelSetting. */
  file?: true;
  restart?: string;
  path: string;
  /** Current value; undefined when the file is absent (module not loaded). */
  old: string | undefined;
  value: string;
}

/** Reads one /proc or /sys file; undefined when it does not exist. */
export type SettingReader = (path: string) => Promise<string | undefined>;
export type SettingWriter = (path: string, value: string) => Promise<void>;

export type HostOptions = Record<string, string | number | boolean | undefined>;

export const CONNTRACK_MAX = 'net.netfilter.nf_conntrack_max';
export const CONNTRACK_HASHSIZE = '/sys/module/nf_conntrack/parameters/hashsize';
export const TCP_TIMEOUT_ESTABLISHED = 'net.netfilter.nf_conntrack_tcp_timeout_established';
export const TCP_TIMEOUT_SYN_RECV = 'net.netfilter.nf_conntrack_tcp_timeout_syn_recv';
export const TCP_SYNCOOKIES = 'net.ipv4.tcp_syncookies';
/** pvefw-logger (package pve-firewall) reads it at start: 1 = also log conntrack events. */
export const LOG_CONNTRACK_FILE = '/var/lib/pve-firewall/log_nf_conntrack';
export const PVEFW_LOGGER = 'pvefw-logger.service';

// PF FW.pm:update_nf_conntrack_max: its floor, and the granularity it rounds a larger value up to
const CONNTRACK_MAX_FLOOR = 262144;
const CONNTRACK_MAX_STEP = 8192;
// PF's defaults when the option is unset (equal to the kernel's own defaults)
const DEFAULT_TIMEOUT_ESTABLISHED = 432000;
const DEFAULT_TIMEOUT_SYN_RECV = 60;

/**
 * The settings PF's apply writes, for a node's host.fw options (call it only when the firewall
 * is enabled on the node, as PF does). Values are written whenever they differ from the
 * kernel's, so PF's defaults are enforced even for unset options:
 * - nf_conntrack_max: 262144, or the option rounded up to a multiple of 8192 when it is larger
 *   (smaller values are ignored); hashsize = max / 4, written only with a max change.
 * - the two TCP timeouts: option or 432000 / 60 (PF's syn_recv code has a typo that writes an
 *   empty value when the option is set, docs/reference.md §pf-syn-recv-typo; fwgen writes
 *   what was meant).
 * - tcp_syncookies = 1: PF's enable_bridge_firewall writes it so that a SYN flood cannot fill a
 *   listener's queue; it complements protection_synflood and is the kernel default anyway.
 * - log_nf_conntrack: `0`/`1` (no newline, as PF's file_set_contents writes it) into
 *   pvefw-logger's flag file, and pvefw-logger restarted when it was written, as PF does on a
 *   change; nothing when /var/lib/pve-firewall does not exist (no pve-firewall package, so no
 *   pvefw-logger to read it: fwgen does not create another package's directory).
 * Not here: bridge-nf-call-iptables/ip6tables = 1, which PF writes because its guest rules are
 * iptables rules that bridged packets reach only through br_netfilter. fwgen filters guests in
 * `table bridge` with bridge conntrack, which needs neither br_netfilter nor these switches;
 * forcing them to 1 would send every bridged packet through `table inet fwgen` too, and forcing
 * 0 would break other users of br_netfilter (docker, libvirt). fwgen leaves them alone.
 */
export function desiredKernelSettings(options: HostOptions): KernelSetting[] {
  const max = conntrackMax(integerOption(options.nf_conntrack_max));
  return [
    { name: CONNTRACK_HASHSIZE, value: String(Math.floor(max / 4)), onlyWith: CONNTRACK_MAX },
    { name: CONNTRACK_MAX, value: String(max) },
    {
      name: TCP_TIMEOUT_ESTABLISHED,
      value: String(
        integerOption(options.nf_conntrack_tcp_timeout_established) ?? DEFAULT_TIMEOUT_ESTABLISHED,
      ),
    },
    {
      name: TCP_TIMEOUT_SYN_RECV,
      value: String(
        integerOption(options.nf_conntrack_tcp_timeout_syn_recv) ?? DEFAULT_TIMEOUT_SYN_RECV,
      ),
    },
    { name: TCP_SYNCOOKIES, value: '1' },
    {
      name: LOG_CONNTRACK_FILE,
      value: booleanOption(options.log_nf_conntrack) ? '1' : '0',
      file: true,
      restart: PVEFW_LOGGER,
    },
  ];
}

function booleanOption(v: string | number | boolean | undefined): boolean {
  return v === true || v === 1 || (typeof v === 'string' && v.trim() === '1');
}

function conntrackMax(option: number | undefined): number {
  if (option === undefined || option <= CONNTRACK_MAX_FLOOR) return CONNTRACK_MAX_FLOOR;
  return Math.ceil(option / CONNTRACK_MAX_STEP) * CONNTRACK_MAX_STEP;
}

// Options arrive untyped (strings from the file or numbers); anything but a non-negative
// integer counts as unset here: the front end reports it.
function integerOption(v: string | number | boolean | undefined): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v >= 0 ? v : undefined;
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) {
    const n = Number(v.trim());
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return undefined;
}

/** /proc/sys path of a sysctl name; absolute paths are kept. */
export function settingPath(name: string): string {
  return name.startsWith('/') ? name : `/proc/sys/${name.replaceAll('.', '/')}`;
}

// The kernel prints some values with tabs and a trailing newline: compare words, not bytes.
function normalize(v: string): string {
  return v.trim().split(/\s+/).join(' ');
}

/** Whether a directory exists (for `file` settings); without one, they are always planned. */
export type DirExists = (path: string) => Promise<boolean>;

/** The settings whose current value differs from the desired one, in the given order. */
export async function planKernelSettings(
  desired: readonly KernelSetting[],
  read: SettingReader,
  dirExists?: DirExists,
): Promise<KernelSettingChange[]> {
  const changes: KernelSettingChange[] = [];
  for (const s of desired) {
    const path = settingPath(s.name);
    if (s.file && dirExists && !(await dirExists(path.slice(0, path.lastIndexOf('/')) || '/')))
      continue;
    const raw = await read(path);
    const old = raw === undefined ? undefined : normalize(raw);
    if (old !== normalize(s.value))
      changes.push({
        name: s.name,
        path,
        old,
        value: s.value,
        ...(s.file ? { file: s.file } : {}),
        ...(s.restart ? { restart: s.restart } : {}),
      });
  }
  // dependent settings go only with their trigger
  const changed = new Set(changes.map((c) => c.name));
  return changes.filter((c) => {
    const trigger = desired.find((s) => s.name === c.name)?.onlyWith;
    return trigger === undefined || changed.has(trigger);
  });
}

/** `sysctl <name> <old> -> <new>` (`file <path> …` for a plain file), as apply logs it and
 * `diff` and `apply --dry-run` print it ('-' = absent). */
export function formatKernelSettingChange(c: KernelSettingChange): string {
  return `${c.file ? 'file' : 'sysctl'} ${c.name} ${c.old ?? '-'} -> ${c.value}`;
}

export interface KernelSettingsResult {
  /** Written (or, with dryRun, to be written). */
  changes: KernelSettingChange[];
  failed: { change: KernelSettingChange; error: string }[];
  /** Units restarted because a setting they read was written; `error` when that failed. */
  restarted: { unit: string; error?: string }[];
}

export interface KernelSettingsIo {
  read: SettingReader;
  write: SettingWriter;
  dirExists?: DirExists;
  /** `systemctl try-restart <unit>`: restarts it only when it runs (absent unit: no-op). */
  restart?: (unit: string) => Promise<void>;
}

/** Writes the differing settings; one failure does not stop the others (each is independent,
 * and a missing module must not keep the timeouts from being set). */
export async function applyKernelSettings(
  desired: readonly KernelSetting[],
  io: KernelSettingsIo,
  opts: { dryRun?: boolean } = {},
): Promise<KernelSettingsResult> {
  const planned = await planKernelSettings(desired, io.read, io.dirExists);
  if (opts.dryRun) return { changes: planned, failed: [], restarted: [] };
  const changes: KernelSettingChange[] = [];
  const failed: KernelSettingsResult['failed'] = [];
  for (const c of planned) {
    try {
      await io.write(c.path, c.value);
      changes.push(c);
    } catch (e) {
      failed.push({ change: c, error: message(e) });
    }
  }
  const restarted: KernelSettingsResult['restarted'] = [];
  for (const unit of new Set(changes.flatMap((c) => (c.restart ? [c.restart] : [])))) {
    if (!io.restart) continue;
    try {
      await io.restart(unit);
      restarted.push({ unit });
    } catch (e) {
      restarted.push({ unit, error: message(e) });
    }
  }
  return { changes, failed, restarted };
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));
