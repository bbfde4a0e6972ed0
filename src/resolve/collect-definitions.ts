// Aliases, ipsets and groups a file defines, after name and duplicate checks; which sections a
// file kind may hold. Lookups by lower-cased name (see docs/decisions.md: pve-firewall lower-cases
// ipset/group headers but not references; fwgen matches both case-insensitively).
import type { Diagnostics } from '../diag/diagnostic.js';
import type { Span } from '../diag/span.js';
import type * as ast from '../syntax/ast.js';
import { checkCidr } from './check-address.js';
import { checkName } from './check-names.js';
import type { FileScope } from './input.js';
import type { Cidr } from './ir.js';

export interface AliasDef {
  name: string;
  cidr: Cidr;
  span: Span;
}

export interface Definitions {
  scope: FileScope;
  aliases: Map<string, AliasDef>;
  ipsets: Map<string, ast.IpsetSection>;
  groups: Map<string, ast.GroupSection>;
  /** option lines, first of each key (duplicates are reported) */
  options: ast.OptionLine[];
  /** rule lines of [RULES] */
  rules: (ast.RuleLine | ast.GroupRefLine)[];
}

const ALLOWED: Record<FileScope, ReadonlySet<ast.Section['kind']>> = {
  cluster: new Set(['options', 'aliases', 'ipset', 'rules', 'group']),
  host: new Set(['options', 'rules']),
  guest: new Set(['options', 'aliases', 'ipset', 'rules']),
  vnet: new Set(['options', 'rules']),
};

const HEADER: Record<ast.Section['kind'], string> = {
  options: '[OPTIONS]',
  aliases: '[ALIASES]',
  ipset: '[IPSET name]',
  rules: '[RULES]',
  group: '[group name]',
  'unknown-section': '',
};

function allowedList(scope: FileScope): string {
  const names = [...ALLOWED[scope]].map((k) => HEADER[k]);
  return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

export function collectDefinitions(
  file: ast.ConfigFile,
  scope: FileScope,
  diags: Diagnostics,
): Definitions {
  const defs: Definitions = {
    scope,
    aliases: new Map(),
    ipsets: new Map(),
    groups: new Map(),
    options: [],
    rules: [],
  };
  const optionSeen = new Map<string, ast.OptionLine>();
  for (const section of file.sections) {
    if (section.kind === 'unknown-section') {
      diags.error(
        'unknown-section',
        section.text.span,
        `unknown section '${section.text.value}', expected ${allowedList(scope)}`,
      );
      continue;
    }
    if (!ALLOWED[scope].has(section.kind)) {
      diags.error(
        'section-not-allowed',
        section.span,
        `section ${HEADER[section.kind]} is not allowed in a ${scope} file, expected ${allowedList(scope)}`,
      );
      continue;
    }
    if (
      section.comment &&
      (section.kind === 'options' || section.kind === 'aliases' || section.kind === 'rules')
    ) {
      diags.error(
        'header-comment',
        section.comment.span,
        `section ${HEADER[section.kind]} takes no comment`,
      );
    }
    switch (section.kind) {
      case 'options':
        for (const line of section.body) {
          if (line.kind !== 'option') continue;
          const key = line.key.value.toLowerCase();
          const first = optionSeen.get(key);
          if (first) {
            diags.error(
              'duplicate-option',
              line.key.span,
              `option '${line.key.value}' is set twice`,
              [{ message: 'first set here', span: first.key.span }],
            );
            continue;
          }
          optionSeen.set(key, line);
          defs.options.push(line);
        }
        break;
      case 'aliases':
        for (const line of section.body) {
          if (line.kind !== 'alias') continue;
          if (!checkName('alias', line.name, diags)) continue;
          const key = line.name.value.toLowerCase();
          const first = defs.aliases.get(key);
          if (first) {
            diags.error(
              'duplicate-alias',
              line.name.span,
              `alias '${line.name.value}' is defined twice`,
              [{ message: `'${first.name}' is defined here`, span: first.span }],
            );
            continue;
          }
          const cidr = checkCidr(line.value, diags, 'alias');
          if (cidr) defs.aliases.set(key, { name: line.name.value, cidr, span: line.name.span });
        }
        break;
      case 'ipset': {
        if (!checkName('ipset', section.name, diags)) break;
        const key = section.name.value.toLowerCase();
        const first = defs.ipsets.get(key);
        if (first) {
          diags.error(
            'duplicate-ipset',
            section.name.span,
            `ipset '${section.name.value}' is defined twice`,
            [{ message: `'${first.name.value}' is defined here`, span: first.name.span }],
          );
          break;
        }
        defs.ipsets.set(key, section);
        break;
      }
      case 'group': {
        if (!checkName('group', section.name, diags)) break;
        const key = section.name.value.toLowerCase();
        const first = defs.groups.get(key);
        if (first) {
          diags.error(
            'duplicate-group',
            section.name.span,
            `security group '${section.name.value}' is defined twice`,
            [{ message: `'${first.name.value}' is defined here`, span: first.name.span }],
          );
          break;
        }
        defs.groups.set(key, section);
        break;
      }
      case 'rules':
        for (const line of section.body) {
          if (line.kind === 'rule' || line.kind === 'group-ref') defs.rules.push(line);
        }
        break;
    }
  }
  return defs;
}
