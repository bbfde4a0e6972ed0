import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LoadError, loadTree, readSource } from '../../src/load/load-tree.js';

let root: string;

async function put(rel: string, text: string): Promise<void> {
  const full = path.join(root, rel);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, text);
}

beforeEach(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'fwgen-load-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('loadTree', () => {
  it("reads one node's view of the tree", async () => {
    await put('firewall/cluster.fw', '[OPTIONS]\nenable: 1\n');
    await put('firewall/100.fw', '[OPTIONS]\nenable: 1\n');
    await put('firewall/200.fw', '[RULES]\n');
    await put('firewall/300.fw', '[RULES]\n'); // a guest of another node
    await put('nodes/pve1/host.fw', '[OPTIONS]\n');
    await put('nodes/pve1/qemu-server/100.conf', 'net0: virtio=BC:24:11:00:00:01\n');
    await put('nodes/pve1/qemu-server/20.conf', 'name: small\n');
    await put('nodes/pve1/qemu-server/template.conf', 'x\n');
    await put('nodes/pve1/qemu-server/100.conf.tmp.1234', 'x\n');
    await put('nodes/pve1/lxc/200.conf', 'net0: name=eth0\n');
    await put('nodes/pve2/qemu-server/300.conf', 'name: elsewhere\n');
    await put('corosync.conf', 'totem {\n}\n');
    await put('sdn/firewall/vnet1.fw', '[RULES]\n');
    await put('sdn/firewall/avnet.fw', '[RULES]\n');

    const tree = await loadTree(root, 'pve1');
    expect(tree.root).toBe(root);
    expect(tree.node).toBe('pve1');
    expect(tree.cluster).toEqual({
      path: path.join(root, 'firewall/cluster.fw'),
      text: '[OPTIONS]\nenable: 1\n',
    });
    expect(tree.host?.path).toBe(path.join(root, 'nodes/pve1/host.fw'));
    expect(tree.guests.map((g) => [g.vmid, g.type, g.conf.path, g.fw?.path ?? null])).toEqual([
      [20, 'qemu', path.join(root, 'nodes/pve1/qemu-server/20.conf'), null],
      [
        100,
        'qemu',
        path.join(root, 'nodes/pve1/qemu-server/100.conf'),
        path.join(root, 'firewall/100.fw'),
      ],
      [200, 'lxc', path.join(root, 'nodes/pve1/lxc/200.conf'), path.join(root, 'firewall/200.fw')],
    ]);
    expect(tree.corosync?.text).toBe('totem {\n}\n');
    expect(tree.vnets.map((f) => path.basename(f.path))).toEqual(['avnet.fw', 'vnet1.fw']);
    expect(tree.nodes).toEqual(['pve1', 'pve2']);
  });

  it('gives null and empty lists for what is missing', async () => {
    const tree = await loadTree(root, 'pve1');
    expect(tree).toEqual({
      root,
      node: 'pve1',
      cluster: null,
      host: null,
      guests: [],
      corosync: null,
      vnets: [],
      nodes: [],
    });
  });

  it('throws a LoadError for a missing root', async () => {
    const missing = path.join(root, 'nope');
    await expect(loadTree(missing, 'pve1')).rejects.toThrow(LoadError);
    await expect(loadTree(missing, 'pve1')).rejects.toMatchObject({
      code: 'missing-root',
      message: `no such directory '${missing}'`,
    });
  });

  it('refuses node names that could leave nodes/', async () => {
    await expect(loadTree(root, '../x')).rejects.toMatchObject({ code: 'invalid-node' });
    await expect(loadTree(root, '*')).rejects.toMatchObject({ code: 'invalid-node' });
  });
});

describe('readSource', () => {
  it('reads a file, or stdin for -', async () => {
    await put('a.fw', 'x\n');
    expect(await readSource(path.join(root, 'a.fw'))).toEqual({
      path: path.join(root, 'a.fw'),
      text: 'x\n',
    });
    const reader = { readFile: async () => 'file', readStdin: async () => 'stdin' };
    expect(await readSource('-', reader)).toEqual({ path: '<stdin>', text: 'stdin' });
  });

  it('throws a LoadError for a missing file', async () => {
    const missing = path.join(root, 'none.fw');
    await expect(readSource(missing)).rejects.toMatchObject({
      name: 'LoadError',
      code: 'missing-file',
      message: `cannot read '${missing}': no such file`,
    });
  });
});
