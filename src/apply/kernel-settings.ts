// Kernel settings that pve-firewall writes on every apply (conntrack table size, TCP timeouts,
// syncookies): which values the host options ask for, and the read-compare-write that apply,
// `diff` and `apply --dry-run` share. File access is injected; this module touches nothing itself.
// Facts behind it (kernel 6.1, measured): docs/nft-facts.md section 6.

/** One setting: a sysctl name (`net.netfilter.nf_conntrack_max`) or an absolute path (module
 * parameters, which have no sysctl name). */
export interface KernelSetting {
  name: string;
  value: string;
  /** Write this one only when the named setting changes in the same run (PF resizes the
   * conntrack hash table only together with nf_conntrack_max: a resize rehashes every entry). */
  onlyWith?: string;
}

export interface KernelSettingChange {
  name: string;
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
 *   empty value when the option is set, SPEC g.1 #19; fwgen writes what was meant).
 * - tcp_syncookies = 1: PF's enable_bridge_firewall writes it so that a SYN flood cannot fill a
 *   listener's queue; it complements protection_synflood and is the kernel default anyway.
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
  ];
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

/** The settings whose current value differs from the desired one, in the given order. */
export async function planKernelSettings(
  desired: readonly KernelSetting[],
  read: SettingReader,
): Promise<KernelSettingChange[]> {
  const changes: KernelSettingChange[] = [];
  for (const s of desired) {
    const path = settingPath(s.name);
    const raw = await read(path);
    const old = raw === undefined ? undefined : normalize(raw);
    if (old !== normalize(s.value)) changes.push({ name: s.name, path, old, value: s.value });
  }
  // dependent settings go only with their trigger
  const changed = new Set(changes.map((c) => c.name));
  return changes.filter((c) => {
    const trigger = desired.find((s) => s.name === c.name)?.onlyWith;
    return trigger === undefined || changed.has(trigger);
  });
}

/** `sysctl <name> <old> -> <new>`, as `diff` and `apply --dry-run` print it ('-' = absent). */
export function formatKernelSettingChange(c: KernelSettingChange): string {
  return `sysctl ${c.name} ${c.old ?? '-'} -> ${c.value}`;
}

export interface KernelSettingsResult {
  /** Written (or, with dryRun, to be written). */
  changes: KernelSettingChange[];
  failed: { change: KernelSettingChange; error: string }[];
}

/** Writes the differing settings; one failure does not stop the others (each is independent,
 * and a missing module must not keep the timeouts from being set). */
export async function applyKernelSettings(
  desired: readonly KernelSetting[],
  io: { read: SettingReader; write: SettingWriter },
  opts: { dryRun?: boolean } = {},
): Promise<KernelSettingsResult> {
  const planned = await planKernelSettings(desired, io.read);
  if (opts.dryRun) return { changes: planned, failed: [] };
  const changes: KernelSettingChange[] = [];
  const failed: KernelSettingsResult['failed'] = [];
  for (const c of planned) {
    try {
      await io.write(c.path, c.value);
      changes.push(c);
    } catch (e) {
      failed.push({ change: c, error: e instanceof Error ? e.message : String(e) });
    }
  }
  return { changes, failed };
}
