import { describe, expect, it } from 'vitest';
import {
  applyKernelSettings,
  desiredKernelSettings,
  formatKernelSettingChange,
  planKernelSettings,
  settingPath,
} from '../../src/apply/kernel-settings.js';

// A fake /proc + /sys: values as the kernel prints them (trailing newline).
function fakeProc(values: Record<string, string>) {
  const files = new Map(Object.entries(values).map(([k, v]) => [k, `${v}\n`]));
  const writes: string[] = [];
  return {
    files,
    writes,
    read: (path: string) => Promise.resolve(files.get(path)),
    write: (path: string, value: string) => {
      if (!files.has(path)) return Promise.reject(new Error(`${path}: no such file`));
      writes.push(`${path}=${value}`);
      files.set(path, `${value}\n`);
      return Promise.resolve();
    },
  };
}

// a Proxmox host where PF has already applied its defaults
const pfDefaults = {
  '/sys/module/nf_conntrack/parameters/hashsize': '65536',
  '/proc/sys/net/netfilter/nf_conntrack_max': '262144',
  '/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_established': '432000',
  '/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_syn_recv': '60',
  '/proc/sys/net/ipv4/tcp_syncookies': '1',
};

describe('desiredKernelSettings', () => {
  it("enforces PF's defaults when no option is set", () => {
    expect(desiredKernelSettings({})).toEqual([
      {
        name: '/sys/module/nf_conntrack/parameters/hashsize',
        value: '65536',
        onlyWith: 'net.netfilter.nf_conntrack_max',
      },
      { name: 'net.netfilter.nf_conntrack_max', value: '262144' },
      { name: 'net.netfilter.nf_conntrack_tcp_timeout_established', value: '432000' },
      { name: 'net.netfilter.nf_conntrack_tcp_timeout_syn_recv', value: '60' },
      { name: 'net.ipv4.tcp_syncookies', value: '1' },
    ]);
  });

  it('rounds nf_conntrack_max up to a multiple of 8192 and sets hashsize to a quarter', () => {
    const s = desiredKernelSettings({ nf_conntrack_max: '300000' });
    expect(s.slice(0, 2).map((x) => x.value)).toEqual(['75776', '303104']);
    expect(desiredKernelSettings({ nf_conntrack_max: 1048576 })[1]?.value).toBe('1048576');
    expect(desiredKernelSettings({ nf_conntrack_max: 262145 })[1]?.value).toBe('270336');
  });

  it('ignores nf_conntrack_max values at or below 262144 (PF only raises)', () => {
    expect(desiredKernelSettings({ nf_conntrack_max: '32768' })[1]?.value).toBe('262144');
    expect(desiredKernelSettings({ nf_conntrack_max: 262144 })[1]?.value).toBe('262144');
  });

  it('takes the two TCP timeouts as given, strings or numbers', () => {
    const s = desiredKernelSettings({
      nf_conntrack_tcp_timeout_established: '7875',
      nf_conntrack_tcp_timeout_syn_recv: 30,
    });
    expect(s.slice(2, 4).map((x) => x.value)).toEqual(['7875', '30']);
  });

  it('treats a value that is not a non-negative integer as unset', () => {
    const s = desiredKernelSettings({
      nf_conntrack_max: 'lots',
      nf_conntrack_tcp_timeout_established: -5,
      nf_conntrack_tcp_timeout_syn_recv: true,
    });
    expect(s.slice(1, 4).map((x) => x.value)).toEqual(['262144', '432000', '60']);
  });
});

describe('settingPath', () => {
  it('maps sysctl names to /proc/sys and keeps absolute paths', () => {
    expect(settingPath('net.bridge.bridge-nf-call-iptables')).toBe(
      '/proc/sys/net/bridge/bridge-nf-call-iptables',
    );
    expect(settingPath('/sys/module/nf_conntrack/parameters/hashsize')).toBe(
      '/sys/module/nf_conntrack/parameters/hashsize',
    );
  });
});

describe('planKernelSettings / applyKernelSettings', () => {
  it('changes nothing on a host PF has already set up', async () => {
    const proc = fakeProc(pfDefaults);
    const r = await applyKernelSettings(desiredKernelSettings({}), proc);
    expect(r).toEqual({ changes: [], failed: [] });
    expect(proc.writes).toEqual([]);
  });

  it('writes only the differing values, hashsize before the max, and prints sysctl lines', async () => {
    const proc = fakeProc({
      ...pfDefaults,
      '/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_syn_recv': '60',
      '/proc/sys/net/ipv4/tcp_syncookies': '0',
    });
    const desired = desiredKernelSettings({
      nf_conntrack_max: '300000',
      nf_conntrack_tcp_timeout_syn_recv: '30',
    });
    const r = await applyKernelSettings(desired, proc);
    expect(r.changes.map(formatKernelSettingChange)).toEqual([
      'sysctl /sys/module/nf_conntrack/parameters/hashsize 65536 -> 75776',
      'sysctl net.netfilter.nf_conntrack_max 262144 -> 303104',
      'sysctl net.netfilter.nf_conntrack_tcp_timeout_syn_recv 60 -> 30',
      'sysctl net.ipv4.tcp_syncookies 0 -> 1',
    ]);
    expect(proc.writes).toEqual([
      '/sys/module/nf_conntrack/parameters/hashsize=75776',
      '/proc/sys/net/netfilter/nf_conntrack_max=303104',
      '/proc/sys/net/netfilter/nf_conntrack_tcp_timeout_syn_recv=30',
      '/proc/sys/net/ipv4/tcp_syncookies=1',
    ]);
    // a second run finds nothing to do
    expect(await planKernelSettings(desired, proc.read)).toEqual([]);
  });

  it('leaves a differing hashsize alone while nf_conntrack_max is already right', async () => {
    const proc = fakeProc({
      ...pfDefaults,
      '/sys/module/nf_conntrack/parameters/hashsize': '262144',
    });
    expect(await planKernelSettings(desiredKernelSettings({}), proc.read)).toEqual([]);
  });

  it('lowers a larger nf_conntrack_max back to the floor, as PF does', async () => {
    const proc = fakeProc({ ...pfDefaults, '/proc/sys/net/netfilter/nf_conntrack_max': '1048576' });
    const plan = await planKernelSettings(desiredKernelSettings({}), proc.read);
    // hashsize already is a quarter of the floor: nothing to resize
    expect(plan.map(formatKernelSettingChange)).toEqual([
      'sysctl net.netfilter.nf_conntrack_max 1048576 -> 262144',
    ]);
  });

  it('compares words, so tab-separated kernel output equals the desired value', async () => {
    const proc = fakeProc({ '/proc/sys/net/ipv4/ip_local_port_range': '32768\t60999' });
    const desired = [{ name: 'net.ipv4.ip_local_port_range', value: '32768 60999' }];
    expect(await planKernelSettings(desired, proc.read)).toEqual([]);
  });

  it('dry run plans without writing', async () => {
    const proc = fakeProc({ ...pfDefaults, '/proc/sys/net/ipv4/tcp_syncookies': '2' });
    const r = await applyKernelSettings(desiredKernelSettings({}), proc, { dryRun: true });
    expect(r.changes.map(formatKernelSettingChange)).toEqual([
      'sysctl net.ipv4.tcp_syncookies 2 -> 1',
    ]);
    expect(proc.writes).toEqual([]);
  });

  it('reports an absent file as "-" and a failed write without stopping the others', async () => {
    const { '/sys/module/nf_conntrack/parameters/hashsize': _h, ...rest } = pfDefaults;
    const proc = fakeProc({
      ...rest,
      '/proc/sys/net/netfilter/nf_conntrack_max': '65536',
      '/proc/sys/net/ipv4/tcp_syncookies': '0',
    });
    const r = await applyKernelSettings(desiredKernelSettings({}), proc);
    expect(r.failed.map((f) => [formatKernelSettingChange(f.change), f.error])).toEqual([
      [
        'sysctl /sys/module/nf_conntrack/parameters/hashsize - -> 65536',
        '/sys/module/nf_conntrack/parameters/hashsize: no such file',
      ],
    ]);
    expect(r.changes.map(formatKernelSettingChange)).toEqual([
      'sysctl net.netfilter.nf_conntrack_max 65536 -> 262144',
      'sysctl net.ipv4.tcp_syncookies 0 -> 1',
    ]);
  });
});
