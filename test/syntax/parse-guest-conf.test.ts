import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../../src/diag/diagnostic.js';
import { renderAll } from '../../src/diag/render.js';
import { sourceFile } from '../../src/diag/span.js';
import { parseGuestConf } from '../../src/syntax/parse-guest-conf.js';

function parse(
  text: string,
  type: 'qemu' | 'lxc' = 'qemu',
  path = 'nodes/pve1/qemu-server/100.conf',
) {
  const diags = new Diagnostics();
  const conf = parseGuestConf(sourceFile(path, text), type, diags);
  const nics = conf.nics.map((n) => ({
    index: n.index.value,
    model: n.model,
    mac: n.mac?.value ?? null,
    bridge: n.bridge?.value ?? null,
    firewall: n.firewall,
    tag: n.tag?.value ?? null,
    ip: n.ip?.value ?? null,
    ip6: n.ip6?.value ?? null,
  }));
  return { conf, nics, diags, text: renderAll(diags.sorted()) };
}

const VM = `boot: order=scsi0;ide2;net0
cores: 2
memory: 2048
meta: creation-qemu=9.0.2,ctime=1726138470
name: web1
net0: virtio=BC:24:11:5A:10:00,bridge=vmbr0,firewall=1,tag=10
net1: e1000=bc:24:11:5a:10:01,bridge=vmbr1
net2: model=virtio,macaddr=BC:24:11:5A:10:02,bridge=vmbr0,firewall=0
ostype: l26
parent: before-upgrade
scsi0: local-lvm:vm-100-disk-0,iothread=1,size=32G
smbios1: uuid=5e0b2f63-0c5f-4b8e-9a55-0b2c3f1f7a11

[before-upgrade]
net0: virtio=BC:24:11:5A:10:99,bridge=vmbr9,firewall=0
net5: virtio=BC:24:11:5A:10:05,bridge=vmbr0
snaptime: 1726138500
`;

describe('parseGuestConf (qemu)', () => {
  it('reads the NICs of the current config and ignores snapshot sections', () => {
    const { nics, text } = parse(VM);
    expect(text).toBe('');
    expect(nics).toEqual([
      {
        index: 0,
        model: 'virtio',
        mac: 'BC:24:11:5A:10:00',
        bridge: 'vmbr0',
        firewall: true,
        tag: 10,
        ip: null,
        ip6: null,
      },
      {
        index: 1,
        model: 'e1000',
        mac: 'bc:24:11:5a:10:01',
        bridge: 'vmbr1',
        firewall: false,
        tag: null,
        ip: null,
        ip6: null,
      },
      {
        index: 2,
        model: 'virtio',
        mac: 'BC:24:11:5A:10:02',
        bridge: 'vmbr0',
        firewall: false,
        tag: null,
        ip: null,
        ip6: null,
      },
    ]);
  });

  it('stops at [PENDING] and [special:cloudinit]', () => {
    const { nics } = parse(
      'net0: virtio=BC:24:11:00:00:01,bridge=vmbr0\n[PENDING]\nnet1: virtio=BC:24:11:00:00:02\n',
    );
    expect(nics.map((n) => n.index)).toEqual([0]);
    expect(parse('[special:cloudinit]\nnet0: virtio=BC:24:11:00:00:01\n').nics).toEqual([]);
  });

  it('puts spans on every value', () => {
    const { conf } = parse(
      'name: a\nnet3: virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1,tag=5\n',
    );
    const nic = conf.nics[0]!;
    const cut = (s: { start: { offset: number }; end: { offset: number } }) =>
      conf.file.text.slice(s.start.offset, s.end.offset);
    expect(cut(nic.index.span)).toBe('net3');
    expect(cut(nic.mac!.span)).toBe('BC:24:11:00:00:01');
    expect(cut(nic.bridge!.span)).toBe('vmbr0');
    expect(cut(nic.tag!.span)).toBe('5');
    expect(nic.mac!.span.start).toEqual({ offset: 21, line: 2, column: 14 });
    expect(cut(nic.span)).toBe('net3: virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1,tag=5');
  });

  it('accepts any model whose value is a MAC, and a bare model', () => {
    expect(parse('net0: vmxnet3=BC:24:11:00:00:01,bridge=vmbr0\n').nics[0]!.model).toBe('vmxnet3');
    expect(parse('net0: e1000-82540em=BC:24:11:00:00:01\n').nics[0]!.mac).toBe('BC:24:11:00:00:01');
    expect(parse('net0: newmodel=BC:24:11:00:00:01\n').nics[0]!.model).toBe('newmodel');
    const bare = parse('net0: virtio,bridge=vmbr0\n');
    expect(bare.text).toBe('');
    expect(bare.nics[0]).toMatchObject({ model: 'virtio', mac: null, bridge: 'vmbr0' });
  });

  it('ignores unknown keys and other lines gracefully', () => {
    const { nics, text } = parse(
      '#net0 in a description\n' +
        'net0: virtio=BC:24:11:00:00:01,bridge=vmbr0,queues=4,rate=10,mtu=1,link_down=1,trunks=2;3\n' +
        'network: x\n',
    );
    expect(text).toBe('');
    expect(nics).toHaveLength(1);
  });

  it('reports a duplicate NIC (the last wins, as in pve-firewall)', () => {
    const { nics, text } = parse(
      'net0: virtio=BC:24:11:00:00:01,bridge=vmbr0\nnet0: virtio=BC:24:11:00:00:02,bridge=vmbr1\n',
    );
    expect(nics.map((n) => n.bridge)).toEqual(['vmbr1']);
    expect(text)
      .toBe(`nodes/pve1/qemu-server/100.conf:2:1: error: duplicate NIC 'net0' [duplicate-nic]
 2 | net0: virtio=BC:24:11:00:00:02,bridge=vmbr1
   | ^^^^
nodes/pve1/qemu-server/100.conf:1:1: note: 'net0' is first defined here
`);
  });

  it('reports an invalid MAC with its span', () => {
    const { nics, text } = parse('net0: virtio=BC:24:11:00:00,bridge=vmbr0,firewall=1\n');
    expect(nics[0]).toMatchObject({ mac: null, bridge: 'vmbr0', firewall: true });
    expect(text).toBe(
      "nodes/pve1/qemu-server/100.conf:1:14: error: invalid MAC address 'BC:24:11:00:00', " +
        'expected six hex pairs such as BC:24:11:00:00:01 [invalid-mac]\n' +
        ' 1 | net0: virtio=BC:24:11:00:00,bridge=vmbr0,firewall=1\n' +
        '   |              ^^^^^^^^^^^^^^\n',
    );
    expect(parse('net0: virtio=01:00:5e:00:00:01\n').diags.list[0]!.code).toBe('invalid-mac');
    expect(parse('net0: macaddr=zz\n').diags.list[0]!.code).toBe('invalid-mac');
  });

  it('reports malformed items with the span of the bad item', () => {
    const { text } = parse('net0: virtio=BC:24:11:00:00:01,bridge=vmbr0,garbage\n');
    expect(text)
      .toBe(`nodes/pve1/qemu-server/100.conf:1:45: error: 'garbage' is not a key=value item [invalid-nic]
 1 | net0: virtio=BC:24:11:00:00:01,bridge=vmbr0,garbage
   |                                             ^^^^^^^
`);
    const codes = (t: string) => parse(t).diags.list.map((d) => `${d.code}: ${d.message}`);
    expect(codes('net0: virtio=BC:24:11:00:00:01,firewall=2\n')).toEqual([
      "invalid-nic: invalid firewall flag '2', expected 0 or 1",
    ]);
    expect(codes('net0: virtio=BC:24:11:00:00:01,tag=4095\n')).toEqual([
      "invalid-nic: invalid VLAN tag '4095', expected 1 to 4094",
    ]);
    expect(codes('net0: virtio=BC:24:11:00:00:01,bridge=a,bridge=b\n')).toEqual([
      "invalid-nic: duplicate key 'bridge'",
    ]);
    expect(codes('net0: virtio=BC:24:11:00:00:01,e1000=BC:24:11:00:00:02\n')).toEqual([
      "invalid-nic: a second NIC model 'e1000'",
    ]);
    expect(codes('net0:\n')).toEqual(['invalid-nic: empty net0 line']);
    expect(codes('net32: virtio=BC:24:11:00:00:01\n')).toEqual([
      'invalid-nic: NIC index 32 is out of range, expected net0 to net31',
    ]);
    expect(codes('net31: virtio=BC:24:11:00:00:01\n')).toEqual([]);
  });

  it('accepts CRLF line ends', () => {
    const { nics, text } = parse(
      'name: a\r\nnet0: virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1\r\n',
    );
    expect(text).toBe('');
    expect(nics[0]).toMatchObject({ bridge: 'vmbr0', firewall: true });
  });

  it('sorts NICs by index', () => {
    expect(
      parse('net10: virtio=BC:24:11:00:00:0A\nnet2: virtio=BC:24:11:00:00:02\n').nics.map(
        (n) => n.index,
      ),
    ).toEqual([2, 10]);
  });
});

const CT = [
  'arch: amd64',
  'cores: 1',
  'features: nesting=1',
  'hostname: ct200',
  'memory: 512',
  'net0: name=eth0,bridge=vmbr0,firewall=1,gw=192.0.2.1,hwaddr=BC:24:11:7E:20:00,' +
    'ip=192.0.2.20/24,ip6=2001:db8::20/64,type=veth',
  'net1: name=eth1,bridge=vmbr1,hwaddr=BC:24:11:7E:20:01,ip=dhcp,ip6=auto,tag=20,type=veth',
  'ostype: debian',
  'rootfs: local-lvm:vm-200-disk-0,size=8G',
  'unprivileged: 1',
  '',
  '[vzdump]',
  '#vzdump backup snapshot',
  'net0: name=eth0,bridge=vmbr9,hwaddr=BC:24:11:7E:20:99,type=veth',
  '',
].join('\n');

describe('parseGuestConf (lxc)', () => {
  it('reads hwaddr, ip and ip6', () => {
    const { nics, text } = parse(CT, 'lxc', 'nodes/pve1/lxc/200.conf');
    expect(text).toBe('');
    expect(nics).toEqual([
      {
        index: 0,
        model: null,
        mac: 'BC:24:11:7E:20:00',
        bridge: 'vmbr0',
        firewall: true,
        tag: null,
        ip: '192.0.2.20/24',
        ip6: '2001:db8::20/64',
      },
      {
        index: 1,
        model: null,
        mac: 'BC:24:11:7E:20:01',
        bridge: 'vmbr1',
        firewall: false,
        tag: 20,
        ip: 'dhcp',
        ip6: 'auto',
      },
    ]);
  });

  it('does not take qemu forms in a container config', () => {
    const { nics, diags } = parse(
      'net0: virtio=BC:24:11:00:00:01,macaddr=BC:24:11:00:00:02,bridge=vmbr0\n',
      'lxc',
    );
    expect(nics[0]).toMatchObject({ mac: null, model: null });
    expect(diags.list).toEqual([]);
  });

  it('reports a bare item, a bad type and a bad hwaddr', () => {
    const codes = (t: string) => parse(t, 'lxc').diags.list.map((d) => `${d.code}: ${d.message}`);
    expect(codes('net0: eth0,bridge=vmbr0\n')).toEqual([
      "invalid-nic: 'eth0' is not a key=value item",
    ]);
    expect(codes('net0: name=eth0,type=macvlan\n')).toEqual([
      "invalid-nic: unknown container NIC type 'macvlan', expected veth",
    ]);
    expect(codes('net0: name=eth0,hwaddr=BC-24-11-00-00-01\n')[0]).toMatch(/^invalid-mac: /);
  });
});

describe('parseGuestConf (property)', () => {
  it('never throws, and every span lies inside the file', async () => {
    const fc = (await import('fast-check')).default;
    const piece = fc.constantFrom(
      'net0',
      'net31',
      'net99',
      ':',
      ' ',
      ',',
      '=',
      'virtio',
      'hwaddr',
      'macaddr',
      'BC:24:11:00:00:01',
      'bridge',
      'firewall',
      'tag',
      '1',
      'ip',
      '\n',
      '\r\n',
      '[snap]',
      '#',
      'x',
    );
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 40 }),
        fc.constantFrom('qemu' as const, 'lxc' as const),
        (parts, type) => {
          const text = parts.join('');
          const diags = new Diagnostics();
          const conf = parseGuestConf(sourceFile('t.conf', text), type, diags);
          const spans = [
            ...diags.list.map((d) => d.span!),
            ...conf.nics.flatMap((n) =>
              [n.span, n.index.span, n.mac?.span, n.bridge?.span].filter((s) => s !== undefined),
            ),
          ];
          for (const s of spans) {
            expect(s.start.offset).toBeGreaterThanOrEqual(0);
            expect(s.end.offset).toBeLessThanOrEqual(text.length);
            expect(s.start.offset).toBeLessThanOrEqual(s.end.offset);
          }
        },
      ),
    );
  });
});
