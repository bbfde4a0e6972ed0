// Golden explanations of `fwgen simulate` (the text a user reads), on the fixture trees.
// `npx vitest run test/simulate/golden.test.ts -u` rewrites them; review the diff.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMPILE_ARGS, runFwgen } from '../golden/run-fwgen.js';
import { REPO } from '../golden/split-tables.js';

const CASES: { name: string; tree: string; args: string[] }[] = [
  // REJECT from a guest rule, carried out in prerouting through the generated do_reject chain
  {
    name: 'lab-reject-vm100',
    tree: 'lab',
    args: ['--to', 'vm100', '--dest', '192.0.2.100', '--dport', '23'],
  },
  // an ipset member reaches the host (cluster rule with +web-clients)
  { name: 'lab-host-ipset', tree: 'lab', args: ['--dport', '8080', '--source', '192.0.2.60'] },
  // the container's ipfilter drops a spoofed source (a built-in rule decides)
  {
    name: 'lab-ipfilter',
    tree: 'lab',
    args: [
      '--from',
      'ct200',
      '--to',
      'outside',
      '--protocol',
      'udp',
      '--dport',
      '53',
      '--source',
      '192.0.2.99',
      '--verbose',
    ],
  },
  // IPv6 with an address the ipset excludes: vm101's policy drops it
  {
    name: 'lab-vm101-v6-policy',
    tree: 'lab',
    args: [
      '--from',
      'vm100',
      '--to',
      'vm101',
      '--source',
      '2001:db8:1::5',
      '--dest',
      '2001:db8::101',
      '--dport',
      '22',
    ],
  },
  // an established connection passes before any rule
  {
    name: 'datacenter-established',
    tree: 'datacenter',
    args: ['--to', 'ct200', '--dport', '5432', '--established'],
  },
  // the JSON form
  {
    name: 'datacenter-json',
    tree: 'datacenter',
    args: ['--from', 'vm101', '--to', 'host', '--dport', '22', '--source', '192.0.2.10', '--json'],
  },
];

describe('fwgen simulate explanations', () => {
  for (const c of CASES)
    it(c.name, async () => {
      const root = path.join(REPO, 'fixtures', c.tree);
      const r = await runFwgen(['simulate', '--root', root, ...COMPILE_ARGS, ...c.args]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      await expect(r.stdout).toMatchFileSnapshot(path.join(__dirname, 'goldens', `${c.name}.txt`));
    });

  it('an unknown zone is a usage error that lists the zones', async () => {
    const root = path.join(REPO, 'fixtures', 'lab');
    const r = await runFwgen(['simulate', '--root', root, ...COMPILE_ARGS, '--to', 'vm42']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "fwgen: unknown zone 'vm42', expected host, outside, vm100, vm101, vm102, ct200, BRIDGE/PORT\n",
    );
  });
});
