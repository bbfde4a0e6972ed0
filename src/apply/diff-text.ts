// diffText: a unified diff (`diff -u` style) of two texts, for `fwgen diff` and `apply --dry-run`.
// Pure. Myers' O(ND) algorithm on the part between the common head and tail; a middle too large
// for it (huge rewrites) is shown as one remove-all/add-all hunk, which is still a correct diff.
type Op = { t: ' ' | '-' | '+'; line: string };

/** Above this many trace cells Myers' history gets too big; fall back to replace-all. */
const MAX_TRACE_CELLS = 20_000_000;

export function diffText(
  oldText: string,
  newText: string,
  names = { old: 'a', new: 'b' },
  context = 3,
): string {
  if (oldText === newText) return '';
  const a = splitLines(oldText);
  const b = splitLines(newText);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const ops: Op[] = [
    ...a.slice(0, head).map((line): Op => ({ t: ' ', line })),
    ...middle(a.slice(head, a.length - tail), b.slice(head, b.length - tail)),
    ...a.slice(a.length - tail).map((line): Op => ({ t: ' ', line })),
  ];
  return `--- ${names.old}\n+++ ${names.new}\n${hunks(ops, context)}`;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function middle(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const max = n + m;
  const replaceAll = (): Op[] => [
    ...a.map((line): Op => ({ t: '-', line })),
    ...b.map((line): Op => ({ t: '+', line })),
  ];
  if (n === 0 || m === 0) return replaceAll();
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  v[off + 1] = 0;
  const trace: Int32Array[] = [];
  let found = false;
  for (let d = 0; d <= max && !found; d++) {
    if ((d + 1) * v.length > MAX_TRACE_CELLS) return replaceAll();
    trace.push(v.slice());
    for (let k = -d; k <= d; k += 2) {
      let x =
        k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!)
          ? v[off + k + 1]!
          : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) {
        found = true;
        break;
      }
    }
  }
  // Walk the trace back from (n, m): each step is a snake of equal lines preceded by one edit.
  const out: Op[] = [];
  let x = n;
  let y = m;
  for (let d = trace.length - 1; d >= 0; d--) {
    const tv = trace[d]!;
    const k = x - y;
    const prevK = k === -d || (k !== d && tv[off + k - 1]! < tv[off + k + 1]!) ? k + 1 : k - 1;
    const prevX = tv[off + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      out.push({ t: ' ', line: a[x]! });
    }
    if (d > 0) {
      if (x === prevX) out.push({ t: '+', line: b[--y]! });
      else out.push({ t: '-', line: a[--x]! });
    }
  }
  return out.reverse();
}

function hunks(ops: Op[], context: number): string {
  // 1-based line numbers of each op in the old and new text
  const oldNo: number[] = [];
  const newNo: number[] = [];
  let o = 1;
  let nn = 1;
  for (const op of ops) {
    oldNo.push(o);
    newNo.push(nn);
    if (op.t !== '+') o++;
    if (op.t !== '-') nn++;
  }
  const changed = ops.flatMap((op, i) => (op.t === ' ' ? [] : [i]));
  let text = '';
  let i = 0;
  while (i < changed.length) {
    let j = i;
    while (j + 1 < changed.length && changed[j + 1]! - changed[j]! <= 2 * context) j++;
    const from = Math.max(0, changed[i]! - context);
    const to = Math.min(ops.length, changed[j]! + context + 1);
    const slice = ops.slice(from, to);
    const oldLen = slice.filter((op) => op.t !== '+').length;
    const newLen = slice.filter((op) => op.t !== '-').length;
    // diff -u numbers an empty side by the line before it
    const oldStart = oldLen === 0 ? oldNo[from]! - 1 : oldNo[from]!;
    const newStart = newLen === 0 ? newNo[from]! - 1 : newNo[from]!;
    text += `@@ -${oldStart},${oldLen} +${newStart},${newLen} @@\n`;
    text += slice.map((op) => `${op.t}${op.line}\n`).join('');
    i = j + 1;
  }
  return text;
}
