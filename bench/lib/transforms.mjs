// Text transforms of fwgen's nft output, for the benchmarks only (never used by src/).
//
// proxyForThisKernel: the dev/CI kernel has no bridge reject and no bridge conntrack, so the
//   bridge table fails to load there. This rewrites, in the bridge table only, every
//   `ct state A,B` match into `meta mark & 0xBITS != 0` (same expression shape: one load, one
//   bitwise, one compare), every `reject …` statement into `drop` and `ct mark set N` into
//   `meta mark set N`. Rule, chain and set counts
//   stay identical. Load times of the result are a PROXY, labelled as such in RESULTS.md.
// linearDispatch: replaces the `iifname/oifname vmap @…_by_port` and `ether daddr vmap @in_by_mac`
//   rules by one `iifname "tapXiY" jump chain` (etc.) rule per map element, with the elements of
//   `lastIf` (the datapath guest) placed last: the deliberately linear variant of the datapath
//   bench.

const CT_BITS = { invalid: 1, established: 2, related: 4, new: 8, untracked: 64 };

function splitBridge(text) {
  const i = text.indexOf('add table bridge ');
  return i < 0 ? [text, ''] : [text.slice(0, i), text.slice(i)];
}

export function proxyForThisKernel(text) {
  const [head, bridge] = splitBridge(text);
  const b = bridge
    .replace(/\bct state ([a-z]+(?:,[a-z]+)*)/g, (m, list) => {
      const bits = list.split(',').reduce((a, w) => a | (CT_BITS[w] ?? 0), 0);
      return `meta mark & 0x${bits.toString(16).padStart(8, '0')} != 0`;
    })
    .replace(/\breject with (?:tcp reset|[a-z0-9]+ type [a-z-]+)|\breject(?=[ \n])/g, 'drop')
    // The VMID connmark (src/generate/connmark.ts) needs bridge conntrack too: same shape, a meta.
    .replace(/\bct mark set (\d+)/g, 'meta mark set $1');
  return head + b;
}

/** Map elements `"k" : jump chain` (or `mac : jump chain`) of map `name` in the bridge table. */
function mapElements(bridge, name) {
  const m = new RegExp(`\\n  map ${name} \\{\\n([\\s\\S]*?)\\n  \\}`).exec(bridge);
  if (!m) return [];
  const out = [];
  for (const e of m[1].matchAll(/("[^"]+"|[0-9a-f:]{17}) : (jump|goto) ([A-Za-z0-9_./-]+)/g))
    out.push({ key: e[1], verdict: `${e[2]} ${e[3]}` });
  return out;
}

export function linearDispatch(text, lastIf = 'tap100i0') {
  const [head, bridge] = splitBridge(text);
  const order = (list, match) => [...list.filter((e) => !match(e)), ...list.filter(match)];
  const byPortOut = order(mapElements(bridge, 'out_by_port'), (e) => e.key === `"${lastIf}"`);
  const byPortIn = order(mapElements(bridge, 'in_by_port'), (e) => e.key === `"${lastIf}"`);
  const byMac = mapElements(bridge, 'in_by_mac');
  const rules = (kw, list) => list.map((e) => `    ${kw} ${e.key} ${e.verdict}`).join('\n');
  const b = bridge
    .replace(/^ {4}iifname vmap @out_by_port$/m, () => rules('iifname', byPortOut))
    .replace(/^ {4}oifname vmap @in_by_port$/m, () => rules('oifname', byPortIn))
    .replace(/^ {4}ether daddr vmap @in_by_mac$/m, () => rules('ether daddr', byMac));
  return head + b;
}
