// acquireLock: one fwgen apply/stop at a time per state dir. An O_EXCL lock file holding
// "<pid> <token>"; a second caller polls until it is free or the timeout passes. A lock whose pid
// is gone (a killed apply) is broken, under a second O_EXCL file so two waiters never break a lock
// that a third has just taken. Node has no flock(2); this keeps fwgen free of native addons.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export class LockTimeoutError extends Error {
  override readonly name = 'LockTimeoutError';
  constructor(
    readonly file: string,
    readonly holder: number | null,
    readonly timeoutMs: number,
  ) {
    super(
      `another fwgen run${holder === null ? '' : ` (pid ${holder})`} holds ${file}; ` +
        `gave up after ${timeoutMs / 1000} s`,
    );
  }
}

export interface Lock {
  file: string;
  /** how long this caller waited for another run to finish */
  waitedMs: number;
  release(): Promise<void>;
}

export interface LockOptions {
  timeoutMs?: number;
  pollMs?: number;
  /** called once when the lock is busy, before waiting */
  onWait?: (holder: number | null) => void;
}

/** A half-written lock or break file older than this belongs to a crashed process. */
const STALE_FILE_MS = 10_000;

export async function acquireLock(dir: string, opts: LockOptions = {}): Promise<Lock> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const pollMs = opts.pollMs ?? 50;
  await mkdir(dir, { recursive: true, mode: 0o755 });
  const file = path.join(dir, 'lock');
  const token = `${process.pid} ${randomUUID()}`;
  const start = Date.now();
  let told = false;
  for (;;) {
    if (await createExclusive(file, `${token}\n`)) {
      return { file, waitedMs: Date.now() - start, release: () => releaseLock(file, token) };
    }
    const holder = await holderOf(file);
    if (holder.pid !== null && !alive(holder.pid)) {
      await breakStale(file, holder.pid);
      continue;
    }
    if (holder.pid === null && holder.ageMs > STALE_FILE_MS) {
      await unlink(file).catch(ignoreMissing);
      continue;
    }
    if (Date.now() - start >= timeoutMs) throw new LockTimeoutError(file, holder.pid, timeoutMs);
    if (!told) opts.onWait?.(holder.pid);
    told = true;
    await sleep(pollMs);
  }
}

async function createExclusive(file: string, content: string): Promise<boolean> {
  try {
    await writeFile(file, content, { flag: 'wx', mode: 0o644 });
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** pid null: the file is empty (being written) or vanished; ageMs tells which case is stale. */
async function holderOf(file: string): Promise<{ pid: number | null; ageMs: number }> {
  try {
    const [text, st] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
    const pid = Number.parseInt(text, 10);
    return {
      pid: Number.isSafeInteger(pid) && pid > 0 ? pid : null,
      ageMs: Date.now() - st.mtimeMs,
    };
  } catch (e) {
    ignoreMissing(e);
    return { pid: null, ageMs: 0 };
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

async function breakStale(file: string, deadPid: number): Promise<void> {
  const guard = `${file}.break`;
  if (!(await createExclusive(guard, `${process.pid}\n`))) {
    const st = await stat(guard).catch(() => null);
    if (st && Date.now() - st.mtimeMs > STALE_FILE_MS) await unlink(guard).catch(ignoreMissing);
    await sleep(10);
    return;
  }
  try {
    // Re-read under the guard: only remove the lock if it still names the dead process.
    if ((await holderOf(file)).pid === deadPid) await unlink(file).catch(ignoreMissing);
  } finally {
    await unlink(guard).catch(ignoreMissing);
  }
}

async function releaseLock(file: string, token: string): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => '');
  if (text.trim() === token) await unlink(file).catch(ignoreMissing);
}

function ignoreMissing(e: unknown): void {
  if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
}
