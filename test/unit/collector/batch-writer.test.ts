import { describe, expect, it } from 'vitest';
import { BatchWriter } from '../../../collector/batch-writer.js';
import { PayloadTooLargeError, SaturatedError, UnavailableError } from '../../../common/errors.js';

/** A write function whose completion the test controls, recording every batch. */
function gatedStore() {
  const batches: number[][] = [];
  const gates: { open: () => void; fail: (e: Error) => void }[] = [];
  const write = (rows: number[]): Promise<void> =>
    new Promise((open, fail) => {
      batches.push(rows);
      gates.push({ open, fail });
    });
  return { batches, gates, write };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

describe('BatchWriter', () => {
  it('acknowledges a request only once the batch holding it is written', async () => {
    const store = gatedStore();
    const writer = new BatchWriter<number>({ write: store.write, flushIntervalMs: 1 });
    let acked = false;
    const ack = writer.enqueue([1, 2, 3]).then(() => (acked = true));
    await tick();
    expect(store.batches).toEqual([[1, 2, 3]]);
    expect(acked).toBe(false);
    store.gates[0]!.open();
    await ack;
    expect(acked).toBe(true);
  });

  it('groups requests that arrive during a write into the next batch, never splitting one', async () => {
    const store = gatedStore();
    const writer = new BatchWriter<number>({ write: store.write, flushIntervalMs: 1, maxBatchRows: 4, maxQueueRows: 100 });
    const first = writer.enqueue([1]);
    await tick();
    const rest = [writer.enqueue([2, 3]), writer.enqueue([4, 5]), writer.enqueue([6])];
    store.gates[0]!.open();
    await first;
    await tick();
    expect(store.batches[1]).toEqual([2, 3, 4, 5]);
    store.gates[1]!.open();
    await tick();
    expect(store.batches[2]).toEqual([6]);
    store.gates[2]!.open();
    await Promise.all(rest);
  });

  it('sizes batches and the queue by the rows an encoded chunk stands for, not by chunks', async () => {
    const batches: { rows: number }[][] = [];
    const writer = new BatchWriter<{ rows: number }>({
      write: async (chunks) => void batches.push(chunks),
      sizeOf: (chunk) => chunk.rows,
      flushIntervalMs: 1,
      maxBatchRows: 500,
      maxQueueRows: 1000,
    });
    await expect(writer.enqueue([{ rows: 1001 }])).rejects.toBeInstanceOf(PayloadTooLargeError);
    await Promise.all([writer.enqueue([{ rows: 300 }]), writer.enqueue([{ rows: 300 }])]);
    expect(batches.map((b) => b.map((c) => c.rows))).toEqual([[300], [300]]);
  });

  it('rejects every request of a failed batch so senders retry, and keeps going', async () => {
    const store = gatedStore();
    const writer = new BatchWriter<number>({ write: store.write, flushIntervalMs: 1 });
    const a = writer.enqueue([1]);
    await tick();
    store.gates[0]!.fail(new Error('disk full'));
    await expect(a).rejects.toThrow('disk full');
    const b = writer.enqueue([2]);
    await tick();
    store.gates[1]!.open();
    await expect(b).resolves.toBeUndefined();
  });

  it('says when to retry once the queue is full, without losing what it accepted', async () => {
    const store = gatedStore();
    const writer = new BatchWriter<number>({ write: store.write, flushIntervalMs: 1, maxBatchRows: 2, maxQueueRows: 4 });
    const accepted = [writer.enqueue([1, 2])];
    await tick();
    accepted.push(writer.enqueue([3, 4]), writer.enqueue([5, 6]));
    const refused = writer.enqueue([7]);
    await expect(refused).rejects.toBeInstanceOf(SaturatedError);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: expect.any(Number) });
    for (let i = 0; i < 3; i++) {
      store.gates[i]!.open();
      await tick();
    }
    await Promise.all(accepted);
    expect(store.batches.flat()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('shutdown writes what is queued and then refuses new rows', async () => {
    const batches: number[][] = [];
    const writer = new BatchWriter<number>({ write: async (rows) => void batches.push(rows), flushIntervalMs: 60_000 });
    const pending = writer.enqueue([1, 2]);
    await writer.shutdown();
    await pending;
    expect(batches).toEqual([[1, 2]]);
    await expect(writer.enqueue([3])).rejects.toBeInstanceOf(UnavailableError);
    await writer.shutdown();
  });
});
