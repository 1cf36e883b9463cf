/**
 * Waiting in tests for something asynchronous to happen (a ZooKeeper watch, a
 * rebuild, a load), bounded: past `ms` the test fails naming what it waited for.
 */

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every `everyMs` until it holds; resolves with the time it took (ms). */
export async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string, everyMs = 10): Promise<number> {
  const t0 = Date.now();
  while (!(await cond())) {
    if (Date.now() - t0 > ms) throw new Error(`not within ${ms} ms: ${what}`);
    await sleep(everyMs);
  }
  return Date.now() - t0;
}
