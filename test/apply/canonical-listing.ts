// canonicalListing: `nft list table` output in a form where two tables with the same content
// compare equal however they were built. Three things differ without a content difference:
// - handles (` # handle N`, with `nft -a`): numbered by creation;
// - the order of sets, maps and chains: the kernel lists them in creation order, and an incremental
//   apply creates a new chain after the existing ones while a full load creates it in model order;
// - the order of set and map elements: a hash set lists them in bucket order, which depends on the
//   set's random hash seed and on insertion history (interval sets list sorted anyway).
// So handles are dropped, a table's blocks sorted by their first line, elements sorted.
export function canonicalListing(text: string): string {
  const tables: string[] = [];
  let blocks: string[][] = [];
  let block: string[] | null = null;
  let head = '';
  const lines = joinElementLines(text.replace(/ # handle \d+/g, '').split('\n'));
  for (const line of lines) {
    if (line.startsWith('table ')) {
      head = line;
      blocks = [];
    } else if (line === '}') {
      blocks.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
      tables.push([head, ...blocks.map((b) => b.join('\n')), '}'].join('\n'));
    } else if (/^\t\S/.test(line)) {
      if (line === '\t}') block = null;
      else {
        block = [line];
        blocks.push(block);
      }
    } else if (block !== null && line.trim() !== '') block.push(sortElements(line));
  }
  return `${tables.sort().join('\n')}\n`;
}

/** `elements = { a, b,\n c }` on one line. */
function joinElementLines(lines: string[]): string[] {
  const out: string[] = [];
  let open: string | null = null;
  for (const line of lines) {
    if (open !== null) {
      open += ` ${line.trim()}`;
      if (line.trimEnd().endsWith('}')) {
        out.push(open);
        open = null;
      }
    } else if (/elements = \{/.test(line) && !line.trimEnd().endsWith('}')) open = line.trimEnd();
    else out.push(line);
  }
  return out;
}

function sortElements(line: string): string {
  const m = /^(\s*elements = \{ )(.*)( \})$/.exec(line);
  if (!m) return line;
  return `${m[1]}${m[2]!.split(/,\s*/).sort().join(', ')}${m[3]}`;
}
