// Test-side API of the netns lab: decides where the lab can run (directly on this kernel, or in
// the qemu kernel-lab with Debian's kernel), runs test/netns/run-scenarios.sh on a directory
// holding scenarios.txt + ruleset files, and parses its RESULT lines.
// Format of scenarios.txt: see the comment at the top of run-scenarios.sh.
import { execa, execaSync } from 'execa';
import { existsSync, mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const RUN_SCENARIOS = join(here, 'run-scenarios.sh');
export const KERNEL_LAB = resolve(here, '..', 'kernel-lab', 'kernel-lab');

export type LabNode = 'host' | 'outside' | 'vm100' | 'vm101' | 'vm102' | 'ct200';
export const LAB_NODES: readonly LabNode[] = [
  'host',
  'outside',
  'vm100',
  'vm101',
  'vm102',
  'ct200',
];

/** Addresses of the lab topology (must match lab.sh). */
export const LAB: Record<LabNode, { mac: string; ip4: string; ip6: string; port?: string }> = {
  host: { mac: '02:00:00:00:00:01', ip4: '192.0.2.1', ip6: '2001:db8::1' },
  outside: { mac: '02:00:00:00:02:00', ip4: '192.0.2.254', ip6: '2001:db8::254', port: 'eth0' },
  vm100: { mac: 'bc:24:11:00:01:00', ip4: '192.0.2.100', ip6: '2001:db8::100', port: 'tap100i0' },
  vm101: { mac: 'bc:24:11:00:01:01', ip4: '192.0.2.101', ip6: '2001:db8::101', port: 'tap101i0' },
  vm102: { mac: 'bc:24:11:00:01:02', ip4: '192.0.2.102', ip6: '2001:db8::102', port: 'tap102i0' },
  ct200: { mac: 'bc:24:11:00:02:00', ip4: '192.0.2.50', ip6: '2001:db8::50', port: 'veth200i0' },
};

/** How the guest ports reach the uplink (lab.sh, LAB_PLUMBING). */
export type Plumbing = 'direct' | 'fwbr' | 'vlanaware' | 'vlanbridge';
export const PLUMBINGS: readonly Plumbing[] = ['direct', 'fwbr', 'vlanaware', 'vlanbridge'];

export type LabMode = 'direct' | 'qemu';
export interface LabAvailability {
  ok: boolean;
  reason: string;
  mode: LabMode;
}

/** True when a missing lab must fail the test run instead of skipping (CI). */
export const labRequired = (): boolean => /^(1|true|yes)$/i.test(process.env.CI ?? '');

const FEATURE_PROBE = `table bridge fwgen_labprobe {
  chain p {
    type filter hook prerouting priority -150; policy accept;
    tcp dport 1 reject with tcp reset
    ct state established accept
    meta ibrname "vmbr0" accept
  }
}
`;

let cached: LabAvailability | undefined;

/**
 * Where the lab can run. direct: this kernel has bridge reject, bridge conntrack and
 * meta ibrname (checked with `nft -c` in a throw-away network namespace). qemu: the
 * kernel-lab can boot Debian's kernel. FWGEN_LAB_MODE=direct|qemu|off forces a choice.
 */
export function labAvailable(): LabAvailability {
  if (cached) return cached;
  const forced = process.env.FWGEN_LAB_MODE;
  const direct = (): string | undefined => {
    if (process.getuid?.() !== 0) return 'not root';
    const r = execaSync('unshare', ['-n', 'nft', '-c', '-f', '-'], {
      input: FEATURE_PROBE,
      reject: false,
      timeout: 20_000,
    });
    return r.exitCode === 0
      ? undefined
      : `kernel lacks bridge reject/ct/ibrname (${
          String(r.stderr)
            .split('\n')
            .find((l) => /Error/.test(l)) ?? r.exitCode
        })`;
  };
  const qemu = (): string | undefined => {
    const which = (b: string) =>
      execaSync('sh', ['-c', `command -v ${b}`], { reject: false }).exitCode === 0;
    for (const b of ['qemu-system-x86_64', 'cpio', 'depmod'])
      if (!which(b)) return `${b} missing (run test/kernel-lab/install.sh)`;
    if (!existsSync('/bin/busybox')) return '/bin/busybox missing (run test/kernel-lab/install.sh)';
    if (!existsSync(KERNEL_LAB)) return `${KERNEL_LAB} missing`;
    const cache = process.env.FWGEN_LAB_CACHE ?? join(homedir(), '.cache', 'fwgen-kernel-lab');
    if (existsSync(join(cache, 'k', '.done'))) return undefined;
    const r = execaSync('apt-cache', ['depends', 'linux-image-amd64'], { reject: false });
    return /Depends: linux-image-\d/.test(String(r.stdout))
      ? undefined
      : 'kernel not cached and apt knows no linux-image-amd64';
  };
  if (forced === 'off') cached = { ok: false, reason: 'FWGEN_LAB_MODE=off', mode: 'qemu' };
  else if (forced === 'qemu') {
    const q = qemu();
    cached = { ok: !q, reason: q ?? 'forced qemu', mode: 'qemu' };
  } else {
    const d = direct();
    if (!d)
      cached = { ok: true, reason: 'this kernel has bridge reject/ct/ibrname', mode: 'direct' };
    else if (forced === 'direct') cached = { ok: false, reason: d, mode: 'direct' };
    else {
      const q = qemu();
      cached = {
        ok: !q,
        reason: q ? `${d}; qemu: ${q}` : `${d}: using qemu kernel-lab`,
        mode: 'qemu',
      };
    }
  }
  return cached;
}

/** Parsed output of one run-scenarios.sh run. */
export class ScenarioResults {
  /** RESULT lines: id -> rest of the line (e.g. "OPEN", "rc=0", "rst=0 syn_vm100=0 ..."). */
  readonly results = new Map<string, string>();
  /** exec / LOADFAIL output: id -> lines. */
  readonly outputs = new Map<string, string[]>();
  readonly errors: string[] = [];
  kernel = '';
  features: Record<string, boolean> = {};
  done = false;

  constructor(
    readonly raw: string,
    readonly exitCode: number,
    readonly mode: LabMode,
    readonly durationMs: number,
  ) {
    for (const line of raw.split('\n')) {
      let m: RegExpMatchArray | null;
      if ((m = line.match(/^RESULT (\S+) ?(.*)$/))) this.results.set(m[1]!, m[2]!.trim());
      else if ((m = line.match(/^OUT (\S+) ?(.*)$/))) {
        const l = this.outputs.get(m[1]!) ?? [];
        l.push(m[2]!);
        this.outputs.set(m[1]!, l);
      } else if ((m = line.match(/^LAB kernel=(\S+)/))) this.kernel = m[1]!;
      else if ((m = line.match(/^LAB features (.*)$/))) {
        for (const kv of m[1]!.split(/\s+/)) {
          const [k, v] = kv.split('=');
          if (k) this.features[k] = v === 'yes';
        }
      } else if (line.startsWith('ERROR ')) this.errors.push(line);
      else if (line === 'DONE') this.done = true;
    }
  }

  /** The result of one id; throws (with the raw output) when it is missing. */
  get(id: string): string {
    const r = this.results.get(id);
    if (r === undefined) throw new Error(`no RESULT for ${id}\n${this.describe()}`);
    return r;
  }

  /** key=value fields of a result (flood: rst, syn_vm100, ...; exec: rc). */
  fields(id: string): Record<string, number> {
    const o: Record<string, number> = {};
    for (const kv of this.get(id).split(/\s+/)) {
      const m = kv.match(/^([\w]+)=(-?\d+)$/);
      if (m) o[m[1]!] = Number(m[2]);
    }
    return o;
  }

  out(id: string): string[] {
    return this.outputs.get(id) ?? [];
  }

  describe(): string {
    return `lab mode=${this.mode} exit=${this.exitCode} ${this.durationMs} ms, output:\n${this.raw}`;
  }
}

export interface RunOptions {
  /** whole-run timeout in seconds (default 600) */
  timeoutSec?: number;
  /** VM memory in MB (qemu mode, default 1024) */
  memMb?: number;
  /** override the availability decision */
  mode?: LabMode;
  /** extra environment for run-scenarios.sh (TCP_PORTS, UDP_PORTS, PROBE_TIMEOUT, LAB_PREFIX) */
  env?: Record<string, string>;
}

/**
 * Runs run-scenarios.sh on dir (which must contain scenarios.txt and the ruleset files) in the
 * lab and returns its parsed output. Writes nothing outside dir (direct mode: temp files in
 * dir/.tmp; qemu mode: dir is the only shared, writable directory).
 */
export async function runScenarios(dir: string, opts: RunOptions = {}): Promise<ScenarioResults> {
  const abs = resolve(dir);
  const avail = labAvailable();
  const mode = opts.mode ?? avail.mode;
  if (!opts.mode && !avail.ok) throw new Error(`netns lab not available: ${avail.reason}`);
  const tmo = opts.timeoutSec ?? 600;
  const envList = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`);
  const t0 = Date.now();
  let r;
  if (mode === 'direct') {
    const tmp = join(abs, '.tmp');
    mkdirSync(tmp, { recursive: true });
    r = await execa(RUN_SCENARIOS, [abs], {
      env: { ...opts.env, TMPDIR: tmp },
      reject: false,
      all: true,
      timeout: tmo * 1000,
      cwd: abs,
    });
  } else {
    r = await execa(
      KERNEL_LAB,
      [
        '--share',
        abs,
        '--timeout',
        String(tmo),
        '--mem',
        String(opts.memMb ?? 1024),
        '--',
        'env',
        ...envList,
        RUN_SCENARIOS,
        abs,
      ],
      { reject: false, all: true, timeout: (tmo + 60) * 1000, cwd: abs },
    );
  }
  const res = new ScenarioResults(String(r.all ?? ''), r.exitCode ?? -1, mode, Date.now() - t0);
  if (!res.done) throw new Error(`run-scenarios.sh did not finish\n${res.describe()}`);
  return res;
}

/** Builds scenarios.txt (and ruleset files) without string-concatenation mistakes. */
export class ScenarioFile {
  private readonly lines: string[] = [];
  private readonly files = new Map<string, string>();
  private readonly ids = new Set<string>();
  private hasScenario = false;

  private static tok(v: string | number, what: string): string {
    const s = String(v);
    if (!/^[A-Za-z0-9_.:/@+,=-]+$/.test(s) || s.startsWith('#'))
      throw new Error(`bad ${what}: ${JSON.stringify(s)}`);
    return s;
  }
  private id(id: string): string {
    ScenarioFile.tok(id, 'id');
    if (this.ids.has(id)) throw new Error(`duplicate id ${id}`);
    this.ids.add(id);
    return id;
  }
  private node(n: LabNode): string {
    if (!LAB_NODES.includes(n)) throw new Error(`unknown node ${n}`);
    return n;
  }
  private needScenario(): void {
    if (!this.hasScenario) throw new Error('add a scenario() first');
  }

  /** Adds a ruleset file (written by write()). Returns its file name for scenario(). */
  ruleset(fileName: string, text: string): string {
    if (!/^[A-Za-z0-9_.-]+$/.test(fileName) || fileName === 'scenarios.txt')
      throw new Error(`bad ruleset file name ${fileName}`);
    this.files.set(fileName, text.endsWith('\n') ? text : `${text}\n`);
    return fileName;
  }

  /** New scenario; rulesetFile null = no rules. brnf defaults to 1 in the script, plumbing to
   * direct (another plumbing than the previous scenario's rebuilds the topology). */
  scenario(
    name: string,
    rulesetFile: string | null,
    opts: { brnf?: 0 | 1; fresh?: boolean; plumbing?: Plumbing } = {},
  ): this {
    const f = [
      'scenario',
      this.id(name),
      rulesetFile === null ? '-' : ScenarioFile.tok(rulesetFile, 'ruleset file'),
    ];
    if (opts.brnf !== undefined) f.push(`brnf=${opts.brnf}`);
    if (opts.fresh) f.push('fresh');
    if (opts.plumbing !== undefined) f.push(`plumbing=${opts.plumbing}`);
    this.lines.push(f.join(' '));
    this.hasScenario = true;
    return this;
  }

  probe(
    id: string,
    from: LabNode,
    proto: 'tcp' | 'udp',
    host: string,
    port: number,
    opts: { timeout?: number } = {},
  ): this {
    this.needScenario();
    const f = [
      'probe',
      this.id(id),
      this.node(from),
      proto,
      ScenarioFile.tok(host, 'host'),
      ScenarioFile.tok(port, 'port'),
    ];
    if (opts.timeout !== undefined) f.push(`timeout=${opts.timeout}`);
    this.lines.push(f.join(' '));
    return this;
  }

  /** dstMac: a MAC or a node name (its MAC). */
  flood(
    id: string,
    from: LabNode,
    dstMac: string,
    host: string,
    port: number,
    opts: { vlan?: number; srcIp?: string; srcMac?: string } = {},
  ): this {
    this.needScenario();
    const f = [
      'flood',
      this.id(id),
      this.node(from),
      ScenarioFile.tok(dstMac, 'mac'),
      ScenarioFile.tok(host, 'host'),
      ScenarioFile.tok(port, 'port'),
    ];
    if (opts.vlan !== undefined) f.push(`vlan=${opts.vlan}`);
    if (opts.srcIp !== undefined) f.push(`src_ip=${ScenarioFile.tok(opts.srcIp, 'src ip')}`);
    if (opts.srcMac !== undefined) f.push(`src_mac=${ScenarioFile.tok(opts.srcMac, 'src mac')}`);
    this.lines.push(f.join(' '));
    return this;
  }

  dhcp(id: string, from: LabNode, listener: LabNode): this {
    this.needScenario();
    this.lines.push(['dhcp', this.id(id), this.node(from), this.node(listener)].join(' '));
    return this;
  }

  /** Shell command (sh -c) in a node's namespace; single line. */
  exec(id: string, node: LabNode, command: string): this {
    this.needScenario();
    if (/[\n\r]/.test(command) || !command.trim())
      throw new Error(`exec ${id}: command must be one non-empty line`);
    this.lines.push(['exec', this.id(id), this.node(node), command].join(' '));
    return this;
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }

  /** Writes scenarios.txt and the ruleset files into dir. */
  async write(dir: string): Promise<void> {
    for (const [name, text] of this.files) await writeFile(join(dir, name), text);
    await writeFile(join(dir, 'scenarios.txt'), this.toString());
  }
}
