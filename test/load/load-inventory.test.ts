import { describe, expect, it } from 'vitest';
import { loadInputs } from '../../src/load/load-inventory.js';
import type * as ast from '../../src/syntax/ast.js';
import { memoryReader } from '../cli/memory-reader.js';

const TREE = {
  '/pve/firewall/cluster.fw': '[OPTIONS]\nenable: 1\n',
  '/pve/nodes/pve1/qemu-server/100.conf': 'net0: virtio=BC:24:11:00:00:01,bridge=vmbr0\n',
  '/pve/corosync.conf':
    'nodelist {\n  node {\n    name: pve1\n    ring0_addr: 198.51.100.7\n  }\n}\n}\n',
};

describe('loadInputs', () => {
  it('parses corosync.conf once and hands detection the parsed node list', async () => {
    const seen: (ast.CorosyncConf | null)[] = [];
    const inputs = await loadInputs({ root: '/pve' }, 'pve1', {
      reader: memoryReader(TREE),
      detect: async (_node, corosync) => {
        seen.push(corosync);
        return [{ family: 4, addr: '198.51.100.0', len: 24 }];
      },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBe(inputs.sources.corosync?.conf);
    expect(seen[0]?.nodes.map((n) => n.name)).toEqual(['pve1']);
    // the stray '}' is reported once, by compile, from what load kept
    expect(inputs.sources.corosync?.diagnostics.map((d) => d.code)).toEqual(['corosync-syntax']);
    expect(inputs.localNetwork).toEqual([{ family: 4, addr: '198.51.100.0', len: 24 }]);
    expect(inputs.sources.guests.map((g) => g.vmid)).toEqual([100]);
  });

  it('takes --localnet as given, without detection', async () => {
    const inputs = await loadInputs({ root: '/pve' }, 'pve1', {
      reader: memoryReader(TREE),
      localNetwork: [{ family: 4, addr: '192.0.2.0', len: 24 }],
      detect: () => Promise.reject(new Error('not called')),
    });
    expect(inputs.localNetwork).toEqual([{ family: 4, addr: '192.0.2.0', len: 24 }]);
  });

  it('refuses an unknown node, and (needNodes) a tree without nodes/', async () => {
    const ctx = { reader: memoryReader(TREE), localNetwork: [] };
    await expect(loadInputs({ root: '/pve' }, 'pve9', ctx)).rejects.toMatchObject({
      code: 'unknown-node',
      message: "no node 'pve9' in '/pve/nodes' (found pve1); use --node",
    });
    const bare = { reader: memoryReader({ '/pve/firewall/cluster.fw': '' }), localNetwork: [] };
    expect((await loadInputs({ root: '/pve' }, 'pve1', bare)).sources.guests).toEqual([]);
    await expect(
      loadInputs({ root: '/pve' }, 'pve1', { ...bare, needNodes: true }),
    ).rejects.toMatchObject({ code: 'missing-root' });
  });
});
