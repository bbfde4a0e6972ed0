// parseCorosyncConf: corosync.conf text → transport and node list (what pve-firewall's corosync
// rules need). Reads corosync's brace format leniently; never throws on user input.
import type { Diagnostics } from '../diag/diagnostic.js';
import type { Pos, SourceFile, Span } from '../diag/span.js';
import type * as ast from './ast.js';

/** A `name { … }` block: its pairs and sub-blocks, in order. */
interface Block {
  name: string;
  span: Span;
  pairs: { key: string; value: string; span: Span }[];
  blocks: Block[];
}

/** corosync allows ring0_addr … ring7_addr (links 0..7, KNET_MAX_LINK 8). */
const RING_ADDR = /^ring([0-7])_addr$/;

export function parseCorosyncConf(file: SourceFile, diags: Diagnostics): ast.CorosyncConf {
  const root = parseBlocks(file, diags);
  const totem = root.blocks.find((b) => b.name === 'totem');
  const transport = totem?.pairs.find((p) => p.key === 'transport')?.value ?? null;
  const nodes: ast.CorosyncNode[] = [];
  for (const nodelist of root.blocks.filter((b) => b.name === 'nodelist')) {
    for (const node of nodelist.blocks.filter((b) => b.name === 'node')) {
      const links: { link: number; address: string }[] = [];
      for (const p of node.pairs) {
        const m = RING_ADDR.exec(p.key);
        if (m) links.push({ link: Number(m[1]), address: p.value });
      }
      links.sort((a, b) => a.link - b.link);
      // PVE::Corosync names a node by `name`, falling back to ring0_addr (old configs).
      const name =
        node.pairs.find((p) => p.key === 'name')?.value ?? links.find((l) => l.link === 0)?.address;
      if (name === undefined) {
        diags.warning(
          'corosync-node-without-name',
          node.span,
          `corosync node without 'name' or 'ring0_addr', ignored`,
        );
        continue;
      }
      nodes.push({ name, links });
    }
  }
  return { kind: 'corosync-conf', file, transport, nodes };
}

// Tokens, line by line: `name {`, `}`, `key: value` (value up to a `}` or the end of the line).
// `#` starts a comment only at the start of a line, as in corosync's own parser.
function parseBlocks(file: SourceFile, diags: Diagnostics): Block {
  const top: Block = { name: '', span: spanAt(file, 0, 1, 1, 0), pairs: [], blocks: [] };
  const stack: Block[] = [top];
  let offset = 0;
  file.text.split('\n').forEach((raw, i) => {
    const lineOffset = offset;
    offset += raw.length + 1;
    const text = raw.replace(/\r$/, '');
    if (/^\s*#/.test(text)) return;
    const span = (from: number, to: number): Span =>
      spanAt(file, lineOffset + from, i + 1, from + 1, to - from);
    let col = 0;
    while (col < text.length) {
      const rest = text.slice(col);
      const ws = /^\s+/.exec(rest);
      if (ws) {
        col += ws[0].length;
        continue;
      }
      const open = /^([^\s{}:]+)\s*\{/.exec(rest);
      if (open) {
        const block: Block = {
          name: open[1]!,
          span: span(col, col + open[0].length),
          pairs: [],
          blocks: [],
        };
        stack[stack.length - 1]!.blocks.push(block);
        stack.push(block);
        col += open[0].length;
        continue;
      }
      if (rest.startsWith('}')) {
        if (stack.length === 1) diags.error('corosync-syntax', span(col, col + 1), `unmatched '}'`);
        else stack.pop();
        col += 1;
        continue;
      }
      const pair = /^([^\s{}:]+)\s*:\s*([^{}]*?)\s*(?=\}|$)/.exec(rest);
      if (pair) {
        stack[stack.length - 1]!.pairs.push({
          key: pair[1]!,
          value: pair[2]!,
          span: span(col, col + pair[0].length),
        });
        col += pair[0].length;
        continue;
      }
      const token = /^[^\s]*/.exec(rest)![0];
      diags.error(
        'corosync-syntax',
        span(col, col + Math.max(1, token.length)),
        `unexpected '${token}', expected 'key: value', 'name {' or '}'`,
      );
      return;
    }
  });
  for (const open of stack.slice(1)) {
    diags.error('corosync-syntax', open.span, `'${open.name}' block is never closed, expected '}'`);
  }
  return top;
}

function spanAt(
  file: SourceFile,
  offset: number,
  line: number,
  column: number,
  length: number,
): Span {
  const start: Pos = { offset, line, column };
  const end: Pos = { offset: offset + length, line, column: column + length };
  return { file, start, end };
}
