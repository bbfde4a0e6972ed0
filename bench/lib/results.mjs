// bench/RESULTS.md: one section per bench script, between `<!-- NAME:begin -->` and
// `<!-- NAME:end -->`; a script rewrites only its own section (the others stay as they were).
// Each section is a table: what | size | figure | ratio | date | machine, plus notes.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'RESULTS.md');

const HEADER = `# fwgen benchmark results

Written by the bench scripts (\`bench/*.mjs\`, \`bench/datapath.sh\`); each rewrites its own section.
Numbers, not tests: rerun the script to refresh a section. See each section's notes for the exact
command and what the figure means.
`;

export function machine() {
  const cpu = os.cpus()[0]?.model.replace(/\s+/g, ' ').trim() ?? 'cpu?';
  return (
    `${os.cpus().length}×${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
    `Linux ${os.release()}, node ${process.version}`
  );
}

export const today = () => new Date().toISOString().slice(0, 10);

/** rows: {what, size, figure, ratio?, date?, machine?}[]; notes: markdown lines after the table. */
export function writeSection(name, title, rows, notes = []) {
  const m = machine();
  const esc = (s) => String(s ?? '').replace(/\|/g, '\\|');
  const table = [
    '| what | size | figure | ratio | date | machine |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => {
      const cells = [r.what, r.size, r.figure, r.ratio ?? '', r.date ?? today(), r.machine ?? m];
      return `| ${cells.map((c) => esc(c)).join(' | ')} |`;
    }),
  ].join('\n');
  const section =
    `<!-- ${name}:begin -->\n## ${title}\n\n${table}\n\n` +
    `${notes.join('\n')}\n<!-- ${name}:end -->`;

  let text = existsSync(RESULTS) ? readFileSync(RESULTS, 'utf8') : `${HEADER}\n`;
  const re = new RegExp(`<!-- ${name}:begin -->[\\s\\S]*?<!-- ${name}:end -->`);
  text = re.test(text) ? text.replace(re, () => section) : `${text.trimEnd()}\n\n${section}\n`;
  writeFileSync(RESULTS, text);
}
