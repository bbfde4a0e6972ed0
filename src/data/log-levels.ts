// Log levels of rule `-log` and the log_level_* options (docs/reference.md §pve-log-levels);
// hand-written, this file is the source of truth. pve-firewall $log_level_hash, proxmox-ve-config
// types/log.rs LogLevel; syslog severities 0..7, nolog = none.

export const LOG_LEVEL_NAMES = [
  'emerg',
  'alert',
  'crit',
  'err',
  'warning',
  'notice',
  'info',
  'debug',
  'nolog',
] as const;

export type LogLevelName = (typeof LOG_LEVEL_NAMES)[number];

/** Syslog level per name; null for nolog (no log rule). */
export const LOG_LEVELS: Readonly<Record<LogLevelName, number | null>> = {
  emerg: 0,
  alert: 1,
  crit: 2,
  err: 3,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7,
  nolog: null,
};

/** Exact (case-sensitive) lookup, pve-firewall names only. */
export function findLogLevel(name: string): LogLevelName | undefined {
  return (LOG_LEVEL_NAMES as readonly string[]).includes(name) ? (name as LogLevelName) : undefined;
}
