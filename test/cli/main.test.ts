import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.js';
import { memoryReader } from './memory-reader.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs main on an in-memory file tree, with a fixed clock, hostname and local network. */
async function run(argv: string[], files: Record<string, string> = {}, stdin = ''): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: (s) => void (stdout += s),
    stderr: (s) => void (stderr += s),
    ...memoryReader(files, stdin),
    isTTY: false,
    env: {},
    hostname: () => 'pve1.example.com',
    detectLocalNetwork: async () => [{ family: 4, addr: '192.0.2.0', len: 24 }],
    now: () => 1_700_000_000,
  };
  const code = await main(argv, io);
  return { code, stdout, stderr };
}

const BAD_GUEST = '[RULES]\nIN FOO\nIN ACCEPT -p tcp -dport 22\n';

describe('fwgen check', () => {
  it('prints nothing and exits 0 for clean files', async () => {
    const r = await run(['check', 'firewall/100.fw'], {
      'firewall/100.fw': '[OPTIONS]\nenable: 1\n\n[RULES]\nIN SSH(ACCEPT)\n',
    });
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('prints diagnostics and a summary on stdout, exit 1 on errors', async () => {
    const r = await run(['check', 'firewall/100.fw'], { 'firewall/100.fw': BAD_GUEST });
    expect(r).toEqual({
      code: 1,
      stderr: '',
      stdout:
        "firewall/100.fw:2:4: error: unknown action 'FOO', expected ACCEPT, DROP or REJECT " +
        '[unknown-action]\n' +
        ' 2 | IN FOO\n' +
        '   |    ^^^\n' +
        '1 error, 0 warnings\n',
    });
  });

  it('takes the scope from the file name', async () => {
    const files = {
      '/etc/pve/nodes/pve1/host.fw': '[OPTIONS]\nnosmurfs: 1\n',
      '/etc/pve/firewall/cluster.fw': '[OPTIONS]\nenable: 1\n',
      '/etc/pve/sdn/firewall/vnet1.fw': '[RULES]\nFORWARD ACCEPT -p tcp -dport 80\n',
      '/etc/pve/nodes/pve1/qemu-server/100.conf':
        'net0: virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1\n',
      '/etc/pve/nodes/pve1/lxc/200.conf':
        'net0: name=eth0,hwaddr=BC:24:11:00:00:02,bridge=vmbr0,type=veth\n',
      '/etc/pve/corosync.conf': 'totem {\n  version: 2\n}\n',
    };
    const r = await run(['check', ...Object.keys(files)], files);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it('checks guest configs', async () => {
    const r = await run(['check', 'nodes/pve1/qemu-server/100.conf'], {
      'nodes/pve1/qemu-server/100.conf': 'net0: virtio=nope,bridge=vmbr0\n',
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "nodes/pve1/qemu-server/100.conf:1:14: error: invalid MAC address 'nope'",
    );
  });

  it('asks for --scope when the name does not tell', async () => {
    const r = await run(['check', 'rules.txt'], { 'rules.txt': '' });
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "fwgen: cannot tell what 'rules.txt' is from its name; " +
        'use --scope cluster|host|guest|vnet|qemu|lxc\n',
    });
  });

  it('reads stdin for - (with --scope)', async () => {
    const r = await run(['check', '--scope', 'guest', '-'], {}, BAD_GUEST);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^<stdin>:2:4: error: unknown action 'FOO'/);
    const noScope = await run(['check', '-'], {}, BAD_GUEST);
    expect(noScope).toEqual({
      code: 2,
      stdout: '',
      stderr:
        'fwgen: reading standard input needs --scope (cluster, host, guest, vnet, qemu or lxc)\n',
    });
  });

  it('rejects an unknown --scope', async () => {
    const r = await run(['check', '--scope', 'vm', '-']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^fwgen: option '--scope <scope>' argument 'vm' is invalid/);
  });

  it('sees the cluster file of --root, without printing its diagnostics', async () => {
    const files = {
      'root/firewall/cluster.fw': '[ALIASES]\nweb 192.0.2.80\n\n[RULES]\nIN BAD\n',
      'root/firewall/100.fw': '[RULES]\nIN ACCEPT -source dc/web\nIN ACCEPT -source dc/nope\n',
    };
    const r = await run(['check', '--root', 'root', 'root/firewall/100.fw'], files);
    expect(r.code).toBe(1);
    expect(r.stdout).not.toContain('cluster.fw');
    expect(r.stdout).not.toContain("'dc/web'");
    expect(r.stdout).toContain(
      "root/firewall/100.fw:3:19: error: unknown alias 'dc/nope' [unknown-alias]",
    );
    // …unless the cluster file is checked too
    const both = await run(
      ['check', '--root', 'root', 'root/firewall/100.fw', 'root/firewall/cluster.fw'],
      files,
    );
    expect(both.stdout).toContain('root/firewall/cluster.fw:5:4: error:');
    // a root without a cluster file: an empty cluster, so every dc/ name is unknown
    const bare = await run(['check', '--root', 'empty', 'root/firewall/100.fw'], files);
    expect(bare.code).toBe(1);
    expect(bare.stdout).toContain(
      "root/firewall/100.fw:2:19: error: unknown alias 'dc/web' [unknown-alias]",
    );
    expect(bare.stderr).toBe('');
    // without --root nothing is known about the cluster: dc/ names are not reported
    expect(await run(['check', 'root/firewall/100.fw'], files)).toEqual({
      code: 0,
      stdout: '',
      stderr: '',
    });
  });

  it('prints --json as a stable array', async () => {
    const r = await run(['check', '--json', 'firewall/100.fw'], { 'firewall/100.fw': BAD_GUEST });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        file: 'firewall/100.fw',
        range: {
          start: { line: 2, column: 4, offset: 11 },
          end: { line: 2, column: 7, offset: 14 },
        },
        severity: 'error',
        code: 'unknown-action',
        message: "unknown action 'FOO', expected ACCEPT, DROP or REJECT",
        notes: [],
      },
    ]);
    const clean = await run(['check', '--json', 'firewall/100.fw'], { 'firewall/100.fw': '' });
    expect(clean).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
  });

  it('reports unreadable files as usage errors', async () => {
    const r = await run(['check', 'firewall/404.fw']);
    expect(r).toEqual({
      code: 2,
      stdout: '',
      stderr: "fwgen: cannot read 'firewall/404.fw': no such file\n",
    });
  });

  it('needs at least one file', async () => {
    const r = await run(['check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("fwgen: missing required argument 'file'");
  });
});

describe('fwgen (general)', () => {
  it('reports internal errors in one line, exit 70, the stack only with FWGEN_DEBUG', async () => {
    const io = (env: Record<string, string>) => {
      const out = { stderr: '', io: {} as Io };
      out.io = {
        ...memoryReader({}),
        stdout: () => undefined,
        stderr: (s) => void (out.stderr += s),
        readStdin: async () => {
          throw new TypeError('boom');
        },
        isTTY: false,
        env,
      };
      return out;
    };
    const quiet = io({});
    expect(await main(['check', '--scope', 'guest', '-'], quiet.io)).toBe(70);
    expect(quiet.stderr).toBe(
      'fwgen: internal error: boom\n' +
        'fwgen: this is a bug in fwgen; rerun with FWGEN_DEBUG=1 for a stack trace and report it\n',
    );
    const loud = io({ FWGEN_DEBUG: '1' });
    expect(await main(['check', '--scope', 'guest', '-'], loud.io)).toBe(70);
    expect(loud.stderr).toMatch(/^fwgen: internal error: boom\nTypeError: boom\n {4}at /);
  });

  it('prints --version and --help on stdout with exit 0', async () => {
    const v = await run(['--version']);
    expect(v).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
    const h = await run(['--help']);
    expect(h.code).toBe(0);
    expect(h.stdout).toContain('Usage: fwgen [options] [command]');
    expect(h.stdout).toContain('compile [options]');
    const ch = await run(['compile', '--help']);
    expect(ch.code).toBe(0);
    expect(ch.stdout).toContain('--strict');
    expect(ch.stdout).toContain('Exit status:');
  });

  it('exits 2 on unknown commands and options, and without a command', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    const r = await run(['compile', '--bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("fwgen: unknown option '--bogus'\n(run fwgen --help for usage)\n");
    const none = await run([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: fwgen');
  });
});

// ---------------------------------------------------------------------------------------------
// compile: needs the resolver, the generator and the emitters (fails loudly until they exist).

const root = '/tree';
let tree: Record<string, string>;

function put(rel: string, text: string): void {
  tree[path.join(root, rel)] = text;
}

describe('fwgen compile', () => {
  beforeEach(() => {
    tree = {};
    put(
      'firewall/cluster.fw',
      '[OPTIONS]\nenable: 1\n\n[RULES]\nIN SSH(ACCEPT) -source 192.0.2.0/24\n',
    );
    put('nodes/pve1/host.fw', '[OPTIONS]\nenable: 1\n');
    put(
      'nodes/pve1/qemu-server/100.conf',
      'net0: virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1\n',
    );
    put('firewall/100.fw', '[OPTIONS]\nenable: 1\n\n[RULES]\nIN HTTP(ACCEPT)\n');
  });

  it('prints the ruleset on stdout, exit 0, node from the host name', async () => {
    const r = await run(['compile', '--root', root], tree);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/table (inet|bridge) /);
  });

  it('prints JSON with --format json', async () => {
    const r = await run(
      [
        'compile',
        '--root',
        root,
        '--node',
        'pve1',
        '--localnet',
        '192.0.2.0/24',
        '--format',
        'json',
      ],
      tree,
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { nftables: unknown[] };
    expect(Array.isArray(doc.nftables)).toBe(true);
  });

  it('compiles the rest despite errors (exit 1, diagnostics on stderr); --strict withholds the ruleset', async () => {
    put('firewall/100.fw', '[OPTIONS]\nenable: 1\n\n[RULES]\nIN FOO\nIN HTTP(ACCEPT)\n');
    const r = await run(['compile', '--root', root, '--node', 'pve1'], tree);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `${path.join(root, 'firewall/100.fw')}:5:4: error: unknown action 'FOO'`,
    );
    expect(r.stderr).toMatch(/\d+ errors?, \d+ warnings?\n$/);
    expect(r.stdout).not.toBe('');
    const strict = await run(['compile', '--root', root, '--node', 'pve1', '--strict'], tree);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toBe('');
  });

  it('turns a missing root, an unknown node and a bad --localnet into usage errors', async () => {
    const missing = path.join(root, 'nope');
    expect(await run(['compile', '--root', missing], tree)).toEqual({
      code: 2,
      stdout: '',
      stderr: `fwgen: no such directory '${missing}'\n`,
    });
    expect(await run(['compile', '--root', root, '--node', 'pve9'], tree)).toEqual({
      code: 2,
      stdout: '',
      stderr: `fwgen: no node 'pve9' in '${path.join(root, 'nodes')}' (found pve1); use --node\n`,
    });
    expect(await run(['compile', '--root', root, '--localnet', '192.0.2.0/33'], tree)).toEqual({
      code: 2,
      stdout: '',
      stderr: "fwgen: invalid --localnet '192.0.2.0/33', expected a CIDR such as 192.0.2.0/24\n",
    });
    expect((await run(['compile', '--root', root, '--format', 'xml'], tree)).code).toBe(2);
  });
});

describe('fwgen compile --inventory libvirt', () => {
  it('reads domain XML and .fw files through the same reader (in memory here)', async () => {
    // fixtures/libvirt, copied into an in-memory tree under /m: nothing below reads the disk.
    const files: Record<string, string> = {};
    const copy = (dir: string): void => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) copy(full);
        else
          files[path.join('/m', path.relative('fixtures/libvirt', full))] = readFileSync(
            full,
            'utf8',
          );
      }
    };
    copy('fixtures/libvirt');
    const argv = [
      'compile',
      '--inventory',
      'libvirt',
      '--node',
      'kvm1',
      '--localnet',
      '192.0.2.0/24',
    ];
    const r = await run([...argv, '--libvirt-xml', '/m/xml', '--config-dir', '/m/etc'], files);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('table bridge fwgen');
    expect(r.stdout).toContain('"vnet0"');
    expect(r.stderr).toContain('/m/xml/macvtap.xml');
    // an inventory error (a second definition of a domain) withholds the ruleset under --strict
    files['/m/xml/db2.xml'] = files['/m/xml/db.xml']!;
    const dup = [...argv, '--libvirt-xml', '/m/xml', '--config-dir', '/m/etc'];
    const lenient = await run(dup, files);
    expect(lenient.code).toBe(1);
    expect(lenient.stderr).toContain('[duplicate-domain]');
    expect(lenient.stdout).toContain('table bridge fwgen');
    const strict = await run([...dup, '--strict'], files);
    expect(strict).toMatchObject({ code: 1, stdout: '', stderr: lenient.stderr });
    const missing = await run(
      [...argv, '--libvirt-xml', '/nowhere', '--config-dir', '/m/etc'],
      files,
    );
    expect(missing).toEqual({
      code: 2,
      stdout: '',
      stderr: "fwgen: no such directory '/nowhere'\n",
    });
  });
});
