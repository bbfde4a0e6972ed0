#!/usr/bin/env node
// Build step after peggy: rewrites the code peggy generates for a counted repetition of any
// character, `.|n|`, which the grammar uses to consume a run whose length a helper measured
// (`n:WordRun value:$(.|n|)`). peggy builds an array of n one-character strings and then throws
// it away (`$` takes the substring): on a large tree that was a tenth of parse time plus garbage.
// The rewrite moves the position by n, or fails exactly as before when fewer than n characters
// are left. The value is only ever used through `$(…)` or discarded (checked by
// test/syntax/counted-runs.test.ts, which also fails if a peggy upgrade changes the shape).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The exact shape peggy 4/5 emits for `.|n|` (variables and indentation vary).
const COUNTED = new RegExp(
  [
    String.raw`( *)(s\d+) = \[\];\n`,
    String.raw` *if \(\2\.length >= \((s\d+)\|0\)\) \{\n`,
    String.raw` *(s\d+) = peg\$FAILED;\n`,
    String.raw` *\} else \{\n`,
    String.raw` *if \(input\.length > peg\$currPos\) \{\n`,
    String.raw` *\4 = input\.charAt\(peg\$currPos\);\n`,
    String.raw` *peg\$currPos\+\+;\n`,
    String.raw` *\} else \{\n`,
    String.raw` *\4 = peg\$FAILED;\n`,
    String.raw` *if \(peg\$silentFails === 0\) \{ peg\$fail\(peg\$e\d+\); \}\n`,
    String.raw` *\}\n`,
    String.raw` *\}\n`,
    String.raw` *while \(\4 !== peg\$FAILED\) \{\n`,
    String.raw`[\s\S]*?\n`,
    String.raw` *\}\n`,
    String.raw` *if \(\2\.length < \(\3\|0\)\) \{\n`,
    String.raw` *peg\$currPos = (s\d+);\n`,
    String.raw` *\5 = peg\$FAILED;\n`,
    String.raw` *\} else \{\n`,
    String.raw` *\5 = \2;\n`,
    String.raw` *\}\n`,
  ].join(''),
  'g',
);

/** The generated parser source with every counted repetition rewritten, and how many there were. */
export function rewriteCountedRuns(src) {
  let count = 0;
  const out = src.replace(COUNTED, (_m, ind, arr, n, _ch, res) => {
    count++;
    // `arr` keeps a non-FAILED value (the run length) for code that tests it; nothing reads it.
    return (
      `${ind}if (input.length - peg$currPos < (${n}|0)) {\n` +
      `${ind}  peg$currPos = ${res};\n` +
      `${ind}  ${res} = peg$FAILED;\n` +
      `${ind}} else {\n` +
      `${ind}  peg$currPos += (${n}|0);\n` +
      `${ind}  ${arr} = ${n};\n` +
      `${ind}  ${res} = ${arr};\n` +
      `${ind}}\n`
    );
  });
  return { out, count };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: counted-runs.mjs GENERATED.js');
  const { out, count } = rewriteCountedRuns(readFileSync(file, 'utf8'));
  if (count === 0)
    throw new Error(
      `counted-runs: no counted repetition found in ${file} (did peggy change its output?)`,
    );
  writeFileSync(file, out);
  process.stderr.write(`counted-runs: ${count} counted repetitions rewritten in ${file}\n`);
}
