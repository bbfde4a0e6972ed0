import { execa } from 'execa';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, LockTimeoutError } from '../../src/apply/acquire-lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'fwgen-lock-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** A pid that existed and is gone now. */
async function deadPid(): Promise<number> {
  const p = execa('true');
  await p;
  return p.pid!;
}

describe('acquireLock', () => {
  it('serializes holders in order', async () => {
    const order: string[] = [];
    const job = async (name: string, ms: number) => {
      const lock = await acquireLock(dir, { pollMs: 5 });
      order.push(`${name} in`);
      await new Promise((r) => setTimeout(r, ms));
      order.push(`${name} out`);
      await lock.release();
    };
    await Promise.all([job('a', 100), job('b', 10), job('c', 10)]);
    // Never two inside at once: every "in" is followed by its own "out".
    for (let i = 0; i < order.length; i += 2)
      expect(order[i + 1]).toBe(order[i]!.replace('in', 'out'));
  });

  it('writes the pid into the lock file and removes it on release', async () => {
    const lock = await acquireLock(dir);
    expect(await readFile(path.join(dir, 'lock'), 'utf8')).toMatch(
      new RegExp(`^${process.pid} [0-9a-f-]{36}\n$`),
    );
    await lock.release();
    await expect(readFile(path.join(dir, 'lock'))).rejects.toThrow(/ENOENT/);
  });

  it('times out with the holder pid', async () => {
    const held = await acquireLock(dir);
    let waited: number | null | undefined;
    const err = await acquireLock(dir, { timeoutMs: 100, onWait: (pid) => (waited = pid) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as LockTimeoutError).holder).toBe(process.pid);
    expect(waited).toBe(process.pid);
    await held.release();
  });

  it('breaks a lock left by a dead process', async () => {
    await writeFile(path.join(dir, 'lock'), `${await deadPid()} stale\n`);
    const lock = await acquireLock(dir, { timeoutMs: 1000 });
    expect(lock.waitedMs).toBeLessThan(1000);
    await lock.release();
  });

  it('a release never removes a lock someone else took', async () => {
    const a = await acquireLock(dir);
    await writeFile(path.join(dir, 'lock'), '1 other\n');
    await a.release();
    expect(await readFile(path.join(dir, 'lock'), 'utf8')).toBe('1 other\n');
  });
});
