// Guest chains written to text as soon as the generator has built them, so that at 10,000 guests
// the model of every chain is never alive at once (it was most of compile's peak memory,
// docs/decisions.md). What the rest of the table needs from a chain stays behind as a stand-in of
// the same name: its references (jumps, vmaps, @sets, rejects), which the emitters' checks and
// the reachability guard read. Its lists (anonymous sets) are counted for hoisting and written as
// placeholders, filled in once the table knows which lists are shared. The output is the same text
// the whole model would give (test/generate/streamed-chains.test.ts).
import type * as nft from '../nft/model.js';
import { anonymousSetText, chainText, setRefText } from '../nft/emit-text.js';
import { candidateKey, type Candidate } from './hoist-sets.js';

interface List extends Candidate {
  id: number;
  /** The list written inline, for when it is not hoisted. */
  inline: string;
}

/** NUL never reaches the output otherwise: quote.ts replaces control characters in user text. */
const PLACEHOLDER = /\0(\d+)\0/g;

export class StreamedChains {
  /** The streamed chains' hoisting candidates by key, in order of first use. */
  readonly lists = new Map<string, List>();
  private readonly byId: List[] = [];
  /** Statements are shared between rules (rule-stmts.ts): one key computation per object. */
  private readonly byStmt = new WeakMap<nft.Stmt, List | null>();
  private readonly texts = new Map<string, string>();

  /** The stand-ins handed out: written as they are, they would be a wrong ruleset. */
  private readonly standIns = new WeakSet<nft.Chain>();

  /** Writes `chains` out and returns their stand-ins. */
  add(chains: nft.Chain[]): nft.Chain[] {
    return chains.map((chain) => {
      this.texts.set(
        chain.name,
        chainText(chain, (stmt) => {
          const list = this.list(stmt);
          if (list === null) return undefined;
          list.uses++;
          return `\0${list.id}\0`;
        }),
      );
      const stand = standIn(chain);
      this.standIns.add(stand);
      return stand;
    });
  }

  /** Throws unless every streamed chain was written (by `text`): a generator bug otherwise. */
  assertAllWritten(): void {
    if (this.texts.size > 0)
      throw new Error(`generator bug: ${this.texts.size} streamed chains were never written`);
  }

  /** The text of a streamed chain (by its stand-in), once hoisting has named the shared lists;
   * undefined for any other chain. Each is handed out once (and then forgotten). */
  text(table: nft.Table, chain: nft.Chain): string | undefined {
    if (!this.standIns.has(chain)) return undefined;
    const text = this.texts.get(chain.name);
    // A stand-in's text is handed out once; a second emit would write the stand-in itself.
    if (text === undefined || table.family !== 'bridge')
      throw new Error(`generator bug: streamed chain ${chain.name} written twice or elsewhere`);
    this.texts.delete(chain.name);
    return text.replace(PLACEHOLDER, (_, id: string) => {
      const list = this.byId[Number(id)] as List;
      return list.name !== undefined ? setRefText(list.name) : list.inline;
    });
  }

  private list(stmt: Extract<nft.Stmt, { kind: 'match' }>): List | null {
    let list = this.byStmt.get(stmt);
    if (list !== undefined) return list;
    const k = candidateKey(stmt);
    if (k === null || stmt.right.kind !== 'set') list = null;
    else {
      list = this.lists.get(k.key) ?? null;
      if (list === null) {
        const elements = stmt.right.elements;
        list = { id: this.byId.length, type: k.type, elements, uses: 0, inline: '' };
        list.inline = anonymousSetText(elements);
        this.lists.set(k.key, list);
        this.byId.push(list);
      }
    }
    this.byStmt.set(stmt, list);
    return list;
  }
}

/** A chain's references, each statement once: what checkScript and reachability read. A rule
 * without statements stays, so checkScript still refuses it. */
function standIn(chain: nft.Chain): nft.Chain {
  const refs = new Set<nft.Stmt>();
  const rules: nft.Rule[] = [];
  for (const rule of chain.rules) {
    if (rule.stmts.length === 0) rules.push(rule);
    for (const s of rule.stmts) if (isReference(s)) refs.add(s);
  }
  if (refs.size > 0) rules.push({ stmts: [...refs] });
  return { ...chain, rules };
}

function isReference(s: nft.Stmt): boolean {
  switch (s.kind) {
    case 'verdict':
      return s.verdict.kind === 'jump' || s.verdict.kind === 'goto';
    case 'match':
      // Not an anonymous set: hoisting counted it already, and would count it again here.
      return s.right.kind === 'set-ref';
    case 'log':
      return s.level !== undefined && s.group !== undefined; // refused by checkScript
    case 'vmap':
    case 'reject':
    case 'set-update':
    case 'ct-helper-set':
      return true;
    default:
      return false;
  }
}
