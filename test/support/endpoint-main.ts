/**
 * The test ClickHouse endpoint as a process of its own (benches: its CPU is then measured apart
 * from the load): `node dist/test/support/endpoint-main.js <data dir> [user:password …]`. Prints
 * `{"url": …}` on one line once it listens; SIGTERM stops it.
 */
import { startClickHouseEndpoint } from './clickhouse-endpoint.js';

const [dataDir, ...credentials] = process.argv.slice(2);
if (!dataDir) {
  process.stderr.write('usage: endpoint-main.js <data dir> [user:password …]\n');
  process.exit(2);
}
const users = credentials.length === 0 ? undefined : Object.fromEntries(credentials.map((c) => [c.slice(0, c.indexOf(':')), c.slice(c.indexOf(':') + 1)]));
const endpoint = await startClickHouseEndpoint({ dataDir, ...(users ? { users } : {}) });
process.stdout.write(JSON.stringify({ url: endpoint.url }) + '\n');
process.once('SIGTERM', () => {
  void endpoint.close().then(() => process.exit(0));
});
