// renderFindings: findings as text for a terminal or the journal, most severe first, then one
// summary line. No colours.
import { compareFindings, placeText, type Finding } from './finding.js';

export function renderFindings(findings: readonly Finding[]): string {
  const out: string[] = [];
  for (const f of [...findings].sort(compareFindings)) {
    out.push(`${f.severity}: ${f.message} [${f.code}]`);
    const at = placeText(f.where);
    if (at !== '') out.push(`  at: ${at}`);
    if (f.fix !== null)
      for (const [i, line] of f.fix.split('\n').entries())
        out.push(`  ${i === 0 ? 'fix:' : '    '} ${line}`);
  }
  const n = (s: Finding['severity']) => findings.filter((f) => f.severity === s).length;
  const blocks = n('block');
  out.push(
    blocks === 0
      ? `nothing blocks fwgen (${n('warn')} warnings, ${n('info')} notes)`
      : `${blocks} problem${blocks === 1 ? '' : 's'} block${blocks === 1 ? 's' : ''} fwgen ` +
          `(${n('warn')} warnings, ${n('info')} notes)`,
  );
  return `${out.join('\n')}\n`;
}
