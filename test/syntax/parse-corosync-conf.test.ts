import { describe, expect, it } from 'vitest';
import { Diagnostics } from '../../src/diag/diagnostic.js';
import { renderAll } from '../../src/diag/render.js';
import { sourceFile } from '../../src/diag/span.js';
import { parseCorosyncConf } from '../../src/syntax/parse-corosync-conf.js';

function parse(text: string) {
  const diags = new Diagnostics();
  const conf = parseCorosyncConf(sourceFile('corosync.conf', text), diags);
  return { conf, text: renderAll(diags.sorted()) };
}

const PVE = `logging {
  debug: off
  to_syslog: yes
}

nodelist {
  node {
    name: pve1
    nodeid: 1
    quorum_votes: 1
    ring0_addr: 192.0.2.11
    ring1_addr: 198.51.100.11
  }
  node {
    name: pve2
    nodeid: 2
    quorum_votes: 1
    ring0_addr: 192.0.2.12
    ring1_addr: 198.51.100.12
  }
}

quorum {
  provider: corosync_votequorum
}

totem {
  cluster_name: lab
  config_version: 4
  interface {
    linknumber: 0
  }
  interface {
    linknumber: 1
  }
  ip_version: ipv4-6
  link_mode: passive
  secauth: on
  version: 2
}
`;

describe('parseCorosyncConf', () => {
  it('reads the node list of a PVE cluster', () => {
    const { conf, text } = parse(PVE);
    expect(text).toBe('');
    expect(conf.transport).toBeNull();
    expect(conf.nodes).toEqual([
      {
        name: 'pve1',
        links: [
          { link: 0, address: '192.0.2.11' },
          { link: 1, address: '198.51.100.11' },
        ],
      },
      {
        name: 'pve2',
        links: [
          { link: 0, address: '192.0.2.12' },
          { link: 1, address: '198.51.100.12' },
        ],
      },
    ]);
  });

  it('reads the transport, comments and one-line blocks', () => {
    const { conf, text } = parse(`# managed by pve
totem { transport: udp
  # a comment
  version: 2 }
nodelist { node { name: a
 ring0_addr: pve-a.example.com } }
`);
    expect(text).toBe('');
    expect(conf.transport).toBe('udp');
    expect(conf.nodes).toEqual([{ name: 'a', links: [{ link: 0, address: 'pve-a.example.com' }] }]);
  });

  it('names a node by ring0_addr when it has no name (old configs)', () => {
    const { conf } = parse('nodelist {\n node {\n  ring0_addr: 192.0.2.1\n }\n}\n');
    expect(conf.nodes).toEqual([{ name: '192.0.2.1', links: [{ link: 0, address: '192.0.2.1' }] }]);
  });

  it('reports unbalanced braces and stray tokens', () => {
    expect(parse('totem {\n  version: 2\n').text)
      .toBe(`corosync.conf:1:1: error: 'totem' block is never closed, expected '}' [corosync-syntax]
 1 | totem {
   | ^^^^^^^
`);
    expect(parse('}\n').text).toContain("error: unmatched '}' [corosync-syntax]");
    expect(parse('totem {\n  what\n}\n').text).toBe(
      "corosync.conf:2:3: error: unexpected 'what', expected 'key: value', 'name {' or '}' " +
        '[corosync-syntax]\n' +
        ' 2 |   what\n' +
        '   |   ^^^^\n',
    );
  });

  it('warns about a node without any name', () => {
    const { conf, text } = parse('nodelist {\n node {\n  nodeid: 3\n }\n}\n');
    expect(conf.nodes).toEqual([]);
    expect(text).toContain('[corosync-node-without-name]');
  });
});

describe('parseCorosyncConf (property)', () => {
  it('never throws, and every span lies inside the file', async () => {
    const fc = (await import('fast-check')).default;
    const piece = fc.constantFrom(
      'nodelist',
      'node',
      'totem',
      '{',
      '}',
      ':',
      ' ',
      'name',
      'ring0_addr',
      'pve1',
      '\n',
      '#',
      'x',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 40 }), (parts) => {
        const text = parts.join('');
        const diags = new Diagnostics();
        parseCorosyncConf(sourceFile('c', text), diags);
        for (const d of diags.list) {
          expect(d.span!.start.offset).toBeGreaterThanOrEqual(0);
          expect(d.span!.end.offset).toBeLessThanOrEqual(text.length);
        }
      }),
    );
  });
});
