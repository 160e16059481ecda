/**
 * Child of the ingest benchmark: the store alone. Inserts span-like rows in 2,000-row batches
 * through @clickhouse/client + chDB (same schema, same MVs) and prints rows/s as JSON.
 */
import { migrate } from '../storage/migrate.js';
import { insertSpans } from '../storage/span-writer.js';
import { openStore } from '../storage/store.js';
import { spanRows } from './span-fixtures.js';

const [dir, totalArg] = process.argv.slice(2);
const total = Number(totalArg ?? 200_000);
const store = await openStore({ dataDir: dir! });
await migrate(store);
const batches = Array.from({ length: 20 }, (_, i) => spanRows(2000, i));
await insertSpans(store, batches[0]!, 60_000); // warm-up, not timed
const started = performance.now();
let rows = 0;
for (let i = 0; rows < total; i++) {
  const batch = batches[i % batches.length]!;
  await insertSpans(store, batch, 60_000);
  rows += batch.length;
}
const seconds = (performance.now() - started) / 1000;
await store.close();
process.stdout.write(JSON.stringify({ rows, seconds, rowsPerSecond: rows / seconds }) + '\n');
