// A guest's own rules with small lists (`-dport 80,443`, `-source a,b`) become one rule per element
// (per combination with two lists) instead of a set. Why: every list is a kernel set, and nft's
// load time grows with (sets in the table) × (rules that look one up), mostly in the kernel
// (bench/RESULTS.md). Lists that differ from guest to guest made the set count grow with the
// guests even when named by content (hoist-sets.ts); compares do not. Only for rules whose action
// ends the packet's walk, so the copies keep the meaning of the list: the first copy that matches
// decides, exactly once (a log copy sits right before its own copy, so a packet logs once).
// Larger lists stay sets, named by content.
import type * as ir from '../resolve/ir.js';
import type * as nft from '../nft/model.js';
import { names } from './names.js';
import {
  logStmts,
  ruleComment,
  ruleOrigin,
  ruleStmts,
  type MatchContext,
  type RuleEmit,
} from './rule-stmts.js';

/** At most this many copies of one rule (the product of its list sizes). */
export const MAX_RULE_COPIES = 16;

/** Per match statement with a list: one match statement per element (shared by all copies). */
const elementStmts = new WeakMap<nft.Stmt, nft.Stmt[]>();
/** Per statement list (ruleStmts caches those): its copies. */
const copiesOf = new WeakMap<nft.Stmt[], nft.Stmt[][]>();

/** ruleRules (rule-stmts.ts) with small lists written out, when `emit.action` is final. */
export function guestRuleRules(rule: ir.Rule, ctx: MatchContext, emit: RuleEmit): nft.Rule[] {
  const comment = ruleComment(rule);
  // The config line, for `fwgen simulate` (as ruleRules gives it).
  const origin = ruleOrigin(rule);
  const final = endsWalk(emit.action);
  const out: nft.Rule[] = [];
  for (const stmts of ruleStmts(rule, ctx)) {
    for (const copy of final ? copies(stmts) : [stmts]) {
      if (emit.log !== null)
        out.push({ stmts: [...copy, ...logStmts(emit.log, emit.ratelimit)], comment, origin });
      out.push({ stmts: [...copy, ...emit.action], comment, origin });
    }
  }
  return out;
}

/** True when the action is a verdict that never comes back to the next rule: every verdict but
 * a jump, and the jump into the reject chain (which ends in `drop`, builtins.ts). */
function endsWalk(action: nft.Stmt[]): boolean {
  const last = action[action.length - 1];
  if (last?.kind !== 'verdict') return false;
  const v = last.verdict;
  return v.kind !== 'jump' || v.chain === names.bridge.rejectChain;
}

function isList(s: nft.Stmt): s is Extract<nft.Stmt, { kind: 'match' }> {
  return s.kind === 'match' && s.op === '==' && s.right.kind === 'set';
}

function copies(stmts: nft.Stmt[]): nft.Stmt[][] {
  let known = copiesOf.get(stmts);
  if (known !== undefined) return known;
  let product = 1;
  for (const s of stmts)
    if (isList(s) && s.right.kind === 'set') product *= s.right.elements.length;
  if (product === 1 || product > MAX_RULE_COPIES) known = [stmts];
  else {
    known = [[]];
    for (const s of stmts) {
      if (!isList(s)) {
        for (const c of known) c.push(s);
        continue;
      }
      const each = perElement(s);
      known = known.flatMap((c) => each.map((e) => [...c, e]));
    }
  }
  copiesOf.set(stmts, known);
  return known;
}

function perElement(s: Extract<nft.Stmt, { kind: 'match' }>): nft.Stmt[] {
  let each = elementStmts.get(s);
  if (each === undefined) {
    const elements = s.right.kind === 'set' ? s.right.elements : [s.right];
    each = elements.map((e) => ({ kind: 'match', left: s.left, op: '==', right: e }));
    elementStmts.set(s, each);
  }
  return each;
}
