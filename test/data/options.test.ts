import { describe, expect, it } from 'vitest';
import { OPTIONS, findOption } from '../../src/data/options.js';
import { optionReader } from '../../src/resolve/check-options.js';
import { LOG_LEVELS, LOG_LEVEL_NAMES, findLogLevel } from '../../src/data/log-levels.js';

describe('options', () => {
  it('has every row of options.tsv', () => {
    expect(OPTIONS).toHaveLength(43);
    const per = (s: string) => OPTIONS.filter((o) => o.scope === s).length;
    expect([per('cluster'), per('host'), per('guest'), per('vnet')]).toEqual([6, 20, 14, 3]);
    expect(new Set(OPTIONS.map((o) => `${o.scope}/${o.name}`)).size).toBe(43);
  });

  it('reads options by typed keys: a misspelled or foreign key does not compile', () => {
    const guest = optionReader(new Map(), 'guest');
    expect(guest<string>('policy_in')).toBe('DROP');
    // npm run typecheck fails when one of these compiles.
    // @ts-expect-error -- misspelled
    expect(guest('policy_inn')).toBeNull();
    // @ts-expect-error -- a host option, not a guest one
    expect(guest('nosmurfs')).toBeNull();
  });

  it('spot checks', () => {
    expect(findOption('guest', 'policy_in')).toMatchObject({
      default: 'DROP',
      type: { kind: 'enum', values: ['ACCEPT', 'DROP', 'REJECT'], caseInsensitive: true },
    });
    expect(findOption('host', 'nosmurfs')).toMatchObject({ default: true, schemaDefault: null });
    expect(findOption('guest', 'dhcp')).toMatchObject({ default: true, schemaDefault: false });
    expect(findOption('cluster', 'enable')?.type).toEqual({ kind: 'enable-timestamp' });
    expect(findOption('host', 'enable')).toMatchObject({
      type: { kind: 'boolean' },
      default: true,
    });
    expect(findOption('host', 'log_level_in')?.type).toEqual({
      kind: 'log-level',
      allowEmpty: true,
      caseInsensitive: true,
    });
    expect(findOption('vnet', 'log_level_forward')?.type).toEqual({
      kind: 'log-level',
      allowEmpty: false,
      caseInsensitive: true,
    });
    expect(findOption('vnet', 'policy_forward')?.values).toEqual(['ACCEPT', 'DROP']);
    expect(findOption('host', 'nf_conntrack_max')).toMatchObject({ default: 262144 });
    expect(findOption('guest', 'policy_forward')?.pveFirewall).toBe(false);
    expect(findOption('host', 'policy_in')).toBeUndefined();
  });

  it('matches keys case-insensitively except log_ratelimit', () => {
    expect(findOption('guest', 'Policy_IN')?.name).toBe('policy_in');
    expect(findOption('cluster', 'log_ratelimit')?.type.kind).toBe('log-ratelimit');
    expect(findOption('cluster', 'Log_Ratelimit')).toBeUndefined();
  });
});

describe('log levels', () => {
  it('maps names to syslog levels', () => {
    expect(LOG_LEVEL_NAMES).toHaveLength(9);
    expect(LOG_LEVELS.emerg).toBe(0);
    expect(LOG_LEVELS.warning).toBe(4);
    expect(LOG_LEVELS.debug).toBe(7);
    expect(LOG_LEVELS.nolog).toBeNull();
    expect(findLogLevel('info')).toBe('info');
    expect(findLogLevel('warn')).toBeUndefined();
    expect(findLogLevel('INFO')).toBeUndefined();
  });
});
