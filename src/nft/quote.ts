// The one place where user-controlled text becomes nft text. nft 1.0.6 has NO escape inside
// "…": a string ends at the next `"` and `\"` is not an escape (docs/reference.md §nft-quoting), so
// text is sanitised (characters replaced), never escaped. Interface names are validated instead,
// because silently changing one would make a rule match a different interface. Table/chain/set
// names are generated, so a bad one is a bug and throws. Must not: escape, pass text through
// unchecked, or truncate in the middle of a UTF-8 sequence.

/** nft comments (rules, chains, sets, tables): 128 bytes, checked in bytes (docs/reference.md
 * §nft-quoting). */
export const COMMENT_MAX_BYTES = 128;
/** `log prefix`: the kernel's NF_LOG_PREFIXLEN is 128 including the NUL, so 127 bytes; 128 gives
 * `Error: Could not process rule: Numerical result out of range` (checked with nft 1.0.6). */
export const LOG_PREFIX_MAX_BYTES = 127;
/** IFNAMSIZ 16 including the NUL; nft: `String exceeds maximum length of 16` at 16 bytes. */
const IFNAME_MAX_BYTES = 15;
/** Table/chain/set/map names: 256 bytes → `Numerical result out of range` (docs/reference.md
 * §nft-names). */
const IDENTIFIER_MAX_BYTES = 255;

/** A user-supplied interface name nft cannot take as it is. The generator validates names first
 * and turns problems into diagnostics; this is the last line of defence. */
export class NftNameError extends Error {
  override readonly name = 'NftNameError';
  constructor(
    readonly ifname: string,
    readonly reason: string,
  ) {
    super(`invalid interface name ${JSON.stringify(ifname)}: ${reason}`);
  }
}

/** A generated identifier (table/chain/set/map name) or generated literal that nft would not
 * parse: always a bug in fwgen, never a user error. */
export class NftIdentifierError extends Error {
  override readonly name = 'NftIdentifierError';
  constructor(
    readonly identifier: string,
    readonly reason: string,
  ) {
    super(`invalid nft identifier ${JSON.stringify(identifier)}: ${reason}`);
  }
}

/** UTF-8 length; lone surrogates count 3 (U+FFFD), as TextEncoder would encode them. Buffer's
 * native count: no allocation per call (hot on large rulesets). */
function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

// Replacement policy (documented in the API):
// * whitespace-like control characters (TAB, LF, VT, FF, CR, NEL U+0085, U+2028, U+2029) → ' '
//   so multi-line text stays readable;
// * `"` → `'` (keeps quoted words readable; `'` is harmless inside "…", docs/reference.md
// §nft-quoting);
// * `\`, every other control (C0, DEL, C1), format characters (bidi overrides, zero-width…,
//   Unicode Cf) and lone surrogates → '_';
// * `$` → '_' in log prefixes only: nft 1.0.6 expands `$var` inside a log prefix
//   (`log prefix "a$b"` → `Error: unknown identifier 'b'`), comments keep `$` verbatim.
const SPACE_LIKE = /[\t\n\v\f\r\u0085\u2028\u2029]/gu;
const UNSAFE = /[\\\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/gu;

export interface SanitizeOptions {
  /** Also replace `$` (log prefixes). */
  dollar?: boolean;
}

/** The sanitised, truncated text WITHOUT quotes; the JSON emitter uses it so that text and JSON
 * output carry exactly the same string. */
/** Printable ASCII without `"` and `\`: nothing to replace, one byte per character. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

export function sanitizeText(
  text: string,
  maxBytes: number,
  options: SanitizeOptions = {},
): string {
  // Fast path (most comments and prefixes): identical result, no regex replacements.
  if (text.length <= maxBytes && PLAIN.test(text) && !(options.dollar && text.includes('$')))
    return text;
  let clean = text.replace(SPACE_LIKE, ' ').replace(/"/g, "'").replace(UNSAFE, '_');
  if (options.dollar) clean = clean.replace(/\$/g, '_');
  return truncateUtf8(clean, maxBytes);
}

/** Cut to at most maxBytes UTF-8 bytes without splitting a code point. */
function truncateUtf8(text: string, maxBytes: number): string {
  if (byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let out = '';
  for (const ch of text) {
    // Iterating a string yields whole code points; lone surrogates were replaced before.
    const cp = ch.codePointAt(0) ?? 0;
    const n = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + n > maxBytes) break;
    bytes += n;
    out += ch;
  }
  return out;
}

/** `"…"` holding `text` sanitised and cut to maxBytes bytes. Always a single nft token. */
export function quoteString(text: string, maxBytes: number, options: SanitizeOptions = {}): string {
  return `"${sanitizeText(text, maxBytes, options)}"`;
}

/** `"…"` for a `comment`: at most 128 bytes inside the quotes. */
export function quoteComment(text: string): string {
  return quoteString(text, COMMENT_MAX_BYTES);
}

/** `"…"` for a `log prefix`: at most 127 bytes, `$` replaced as well. */
export function quoteLogPrefix(text: string): string {
  return quoteString(text, LOG_PREFIX_MAX_BYTES, { dollar: true });
}

export interface IfnameOptions {
  /** The name ends in `*` and means "every interface starting with …". */
  wildcard?: boolean;
}

/** Validate an interface name and return it as nft's string content (no quotes): a literal
 * trailing `*` becomes `\*`, the one escape nft 1.0.6 knows (docs/reference.md §nft-quoting).
 * Shared by the text and JSON emitters (libnftables JSON uses the same `\*` convention). Throws
 * NftNameError. */
export function ifnameContent(name: string, options: IfnameOptions = {}): string {
  const fail = (reason: string): never => {
    throw new NftNameError(name, reason);
  };
  if (name.length === 0) fail('empty');
  // Linux dev_valid_name(): no '/', ':', whitespace; not "." or "..". `"` and `\` can't be
  // written in nft 1.0.6 strings; control and format characters are never real names.
  if (/[\s"\\/:\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u.test(name))
    fail('contains whitespace, a control character, or one of / : " \\');
  if (name === '.' || name === '..') fail('"." and ".." are not interface names');
  // In libnftables JSON a string starting with '@' is a set reference.
  if (name.startsWith('@')) fail('starts with @');
  if (options.wildcard) {
    if (!name.endsWith('*')) fail('a wildcard name must end in *');
    if (name.length === 1)
      fail('a bare * is refused by nft (All-wildcard strings are not supported)');
    if (byteLength(name) > IFNAME_MAX_BYTES) fail(`longer than ${IFNAME_MAX_BYTES} bytes`);
    return name;
  }
  if (byteLength(name) > IFNAME_MAX_BYTES) fail(`longer than ${IFNAME_MAX_BYTES} bytes`);
  if (name.endsWith('*')) {
    // nft counts the backslash of `\*` against the 16-byte limit.
    if (byteLength(name) + 1 > IFNAME_MAX_BYTES)
      fail(`a name ending in a literal * may be at most ${IFNAME_MAX_BYTES - 1} bytes`);
    return `${name.slice(0, -1)}\\*`;
  }
  return name;
}

/** `"tap100i0"`; a trailing `*` is written `\*` (literal) unless `wildcard` is set. */
export function quoteIfname(name: string, options: IfnameOptions = {}): string {
  return `"${ifnameContent(name, options)}"`;
}

// Words nft 1.0.6 refuses as a table/chain/set name or jump target ("syntax error, unexpected
// <word>, expecting string"). Found by trying every word of nft(8) and libnftables-json(5) plus
// the scanner's operators in `nft -c` (table, set, chain, `@set`, `jump`), in a network
// namespace. Words that happen to work (`input`, `filter`, `forward`) are still allowed.
const NFT_KEYWORDS: ReadonlySet<string> = new Set(
  (
    'accept add ah all and arp auto-merge bridge cgroup chain comment comp constant continue counter cpu ' +
    'create ct day dccp define delete describe device devices dnat drop dst dup dynamic ecn element ' +
    'elements eq esp ether exists expires export exthdr fib flags flow flowtable flush frag fwd ' +
    'gc-interval ge get goto gt handle hbh hook hour ibriport ibrname icmp icmpv6 igmp iif iifgroup ' +
    'iifname iiftype import include index inet insert interval ip ip6 ipsec jhash jump le limit list ' +
    'll log lt map mark masquerade meta meter mh missing monitor ne netdev nftrace nh not notrack ' +
    'numgen obriport obrname offload oif oifgroup oifname oiftype or osf pkttype policy position ' +
    'priority queue quota random redefine redirect reject rename replace reset return rt rt0 ' +
    'rtclassid rule ruleset sctp secmark set size skgid skuid snat socket srh symhash synproxy table ' +
    'tcp th time timeout tproxy type typeof udp udplite undefine update vlan vmap xor xt'
  ).split(' '),
);

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_./-]*$/;

/** Check a generated table/chain/set/map name and return it unchanged. nft 1.0.6 refuses quoted
 * names, so these go out bare and must be safe by construction. Throws NftIdentifierError. */
const validIdentifiers = new Set<string>();

export function assertIdentifier(name: string): string {
  // The same chain/set names are checked over and over (every jump, every @set): remember the good ones.
  if (validIdentifiers.has(name)) return name;
  if (!IDENTIFIER.test(name))
    throw new NftIdentifierError(name, 'must match [A-Za-z_][A-Za-z0-9_./-]*');
  if (byteLength(name) > IDENTIFIER_MAX_BYTES)
    throw new NftIdentifierError(name, `longer than ${IDENTIFIER_MAX_BYTES} bytes`);
  if (NFT_KEYWORDS.has(name)) throw new NftIdentifierError(name, 'is an nft keyword');
  if (validIdentifiers.size < 1_000_000) validIdentifiers.add(name);
  return name;
}
