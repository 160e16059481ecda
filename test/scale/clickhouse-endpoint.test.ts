import { Readable } from 'node:stream';
import { gunzipSync, gzipSync } from 'node:zlib';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startClickHouseEndpoint, type ClickHouseEndpoint } from '../support/clickhouse-endpoint.js';

// The test endpoint is what the scale-out tests trust to behave like a ClickHouse server, so it
// is held to the documented HTTP interface here, through the real client and through raw HTTP.
let endpoint: ClickHouseEndpoint;
let client: ClickHouseClient;

beforeAll(async () => {
  endpoint = await startClickHouseEndpoint({ users: { default: '', writer: 's3cret' } });
  // Errors are expected here; the client would log each one besides throwing it.
  client = createClient({ url: endpoint.url, compression: { request: true, response: true }, log: { level: ClickHouseLogLevel.OFF } });
  await client.command({ query: 'CREATE TABLE t (id UInt64, name String, tags Array(String), at DateTime64(9, \'UTC\'), m Map(String, String)) ENGINE = MergeTree ORDER BY id' });
});

afterAll(async () => {
  await client.close();
  await endpoint.close();
});

const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<Response> => fetch(`${endpoint.url}${path}`, { method: 'POST', body, headers });

describe('the test ClickHouse endpoint, through @clickhouse/client', () => {
  it('binds query parameters from their escaped text form, as the server does', async () => {
    const rs = await client.query({
      query: 'SELECT {s:String} AS s, {a:Array(String)} AS a, {n:UInt32} AS n, {d:DateTime} AS d, toString({d:DateTime}) AS ds',
      query_params: { s: "tab\there 'quoted' back\\slash", a: ["it's", 'b\\c'], n: 42, d: new Date('2026-12-04T10:20:30Z') },
      format: 'JSONEachRow',
    });
    expect(await rs.json()).toEqual([{ s: "tab\there 'quoted' back\\slash", a: ["it's", 'b\\c'], n: 42, d: '2026-12-04 10:20:30', ds: '2026-12-04 10:20:30' }]);
  });

  it('answers in the FORMAT the statement names, else default_format, else TabSeparated', async () => {
    const rs = await client.query({ query: 'SELECT 1 AS x', format: 'CSVWithNames' });
    expect(await rs.text()).toBe('"x"\n1\n');
    const explicit = await post('/?default_format=JSONEachRow', 'SELECT 2 AS y');
    expect(await explicit.text()).toBe('{"y":2}\n');
    expect(explicit.headers.get('x-clickhouse-format')).toBe('JSONEachRow');
    expect(await (await post('/', 'SELECT 3, \'a\'')).text()).toBe('3\ta\n');
  });

  it('turns an engine error into the server error the client parses: status, code header, message', async () => {
    const err = await client.query({ query: 'SELECT * FROM no_such_table', format: 'JSONEachRow' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '60', type: 'UNKNOWN_TABLE' });
    const res = await post('/', 'SELEC 1');
    expect(res.status).toBe(400);
    expect(res.headers.get('x-clickhouse-exception-code')).toBe('62');
    expect(await res.text()).toMatch(/^Code: 62\. DB::Exception: Syntax error.*\(SYNTAX_ERROR\) \(version [\d.]+\)\n$/s);
  });

  it('checks credentials from Basic auth, X-ClickHouse-User/Key and user/password parameters', async () => {
    const wrong = createClient({ url: endpoint.url, username: 'writer', password: 'nope', log: { level: ClickHouseLogLevel.OFF } });
    await expect(wrong.query({ query: 'SELECT 1' })).rejects.toMatchObject({ code: '516', type: 'AUTHENTICATION_FAILED' });
    await wrong.close();
    const right = createClient({ url: endpoint.url, username: 'writer', password: 's3cret' });
    expect(await (await right.query({ query: 'SELECT currentUser() AS user', format: 'JSONEachRow' })).json()).toEqual([{ user: 'default' }]);
    await right.close();
    expect((await post('/', 'SELECT 1', { 'x-clickhouse-user': 'writer', 'x-clickhouse-key': 's3cret' })).status).toBe(200);
    expect((await post('/?user=writer&password=nope', 'SELECT 1')).status).toBe(403);
  });

  it('takes gzip request bodies and compresses answers when asked, as the client does by default here', async () => {
    const res = await post('/?enable_http_compression=1', gzipSync('SELECT 7'), { 'content-encoding': 'gzip', 'accept-encoding': 'gzip' });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    // fetch inflates on its own; the raw bytes are checked through node:http below.
    expect(await res.text()).toBe('7\n');
    const raw = await new Promise<Buffer>((done, fail) => {
      import('node:http')
        .then(({ request }) => {
          const req = request(`${endpoint.url}/?enable_http_compression=1`, { method: 'POST', headers: { 'accept-encoding': 'gzip' } }, (r) => {
            const chunks: Buffer[] = [];
            r.on('data', (c: Buffer) => chunks.push(c)).on('end', () => done(Buffer.concat(chunks)));
          });
          req.on('error', fail);
          req.end('SELECT 8');
        })
        .catch(fail);
    });
    expect(gunzipSync(raw).toString()).toBe('8\n');
  });

  it('applies settings and the database of one request to that request only', async () => {
    await client.command({ query: 'CREATE DATABASE IF NOT EXISTS other' });
    const other = createClient({ url: endpoint.url, database: 'other' });
    expect(await (await other.query({ query: 'SELECT currentDatabase() AS db', format: 'JSONEachRow' })).json()).toEqual([{ db: 'other' }]);
    await other.close();
    const quoted = await (await client.query({ query: 'SELECT toUInt64(5) AS n', format: 'JSONEachRow', clickhouse_settings: { output_format_json_quote_64bit_integers: 1 } })).json();
    expect(quoted).toEqual([{ n: '5' }]);
    expect(await (await client.query({ query: 'SELECT currentDatabase() AS db', format: 'JSONEachRow' })).json()).toEqual([{ db: 'default' }]);
    expect(await (await post('/', "SELECT getSetting('output_format_json_quote_64bit_integers')")).text()).toBe('false\n');
  });

  it('echoes query_id and reports X-ClickHouse-Summary', async () => {
    const result = await client.command({ query: 'SELECT 1', query_id: 'my-query-id' });
    expect(result.query_id).toBe('my-query-id');
    const res = await post('/?query_id=abc', 'SELECT number FROM numbers(3)');
    expect(res.headers.get('x-clickhouse-query-id')).toBe('abc');
    expect(JSON.parse(res.headers.get('x-clickhouse-summary')!)).toMatchObject({ read_rows: '3', elapsed_ns: expect.any(String) });
  });
});

describe('INSERT data, text and binary', () => {
  const at = '2026-12-04 10:20:30.123456789';
  const rows = async (): Promise<unknown[]> => (await client.query({ query: 'SELECT id, name, tags, toString(at) AS at, m FROM t ORDER BY id', format: 'JSONEachRow' })).json();

  it('takes JSONEachRow from client.insert (query in the URL, rows in the gzip body) and inline after the statement', async () => {
    await client.command({ query: 'TRUNCATE TABLE t' });
    const summary = await client.insert({ table: 't', values: [{ id: 1, name: 'a', tags: ['x'], at, m: { k: 'v' } }], format: 'JSONEachRow' });
    expect(summary.summary?.written_rows).toBe('1');
    await client.command({ query: `INSERT INTO t FORMAT JSONEachRow\n${JSON.stringify({ id: 2, name: "b'\\", tags: [], at, m: {} })}\n` });
    await client.command({ query: `INSERT INTO t (id, name) VALUES (3, 'c')` });
    expect(await rows()).toEqual([
      { id: 1, name: 'a', tags: ['x'], at, m: { k: 'v' } },
      { id: 2, name: "b'\\", tags: [], at, m: {} },
      { id: 3, name: 'c', tags: [], at: '1970-01-01 00:00:00.000000000', m: {} },
    ]);
  });

  it('passes Native and RowBinary bodies to the engine byte for byte (columns matched by name for Native)', async () => {
    await client.command({ query: 'TRUNCATE TABLE t' });
    // The engine writes the bodies a client would send: Native with the columns out of order, and RowBinary.
    const native = Buffer.from(await (await client.exec({ query: `SELECT ['n', ''] AS tags, 'zero\\0byte' AS name, toUInt64(10) AS id FORMAT Native` })).stream.toArray().then((c: Buffer[]) => Buffer.concat(c)));
    const rowBinary = Buffer.from(await (await client.exec({ query: `SELECT toUInt64(11) AS id, 'rb' AS name FORMAT RowBinary` })).stream.toArray().then((c: Buffer[]) => Buffer.concat(c)));
    expect(native.includes(0)).toBe(true);
    await client.exec({ query: 'INSERT INTO t (tags, name, id) FORMAT Native', values: Readable.from([native]) });
    const res = await post(`/?query=${encodeURIComponent('INSERT INTO t (id, name) FORMAT RowBinary')}`, gzipSync(rowBinary), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(await rows()).toEqual([
      { id: 10, name: 'zero\u0000byte', tags: ['n', ''], at: '1970-01-01 00:00:00.000000000', m: {} },
      { id: 11, name: 'rb', tags: [], at: '1970-01-01 00:00:00.000000000', m: {} },
    ]);
  });
});

describe('what a server would refuse or the endpoint cannot answer', () => {
  it('refuses multi-statements and writes over GET, as a server does', async () => {
    expect((await post('/', 'SELECT 1; SELECT 2')).headers.get('x-clickhouse-exception-code')).toBe('62');
    expect((await post('/', 'SELECT 1;')).status).toBe(200);
    const get = await fetch(`${endpoint.url}/?query=${encodeURIComponent('CREATE TABLE g (a UInt8) ENGINE = Memory')}`);
    expect(get.headers.get('x-clickhouse-exception-code')).toBe('164');
    expect(await (await fetch(`${endpoint.url}/?query=SELECT%2042`)).text()).toBe('42\n');
    expect(await (await fetch(`${endpoint.url}/ping`)).text()).toBe('Ok.\n');
  });

  it.each([
    ['a session', '/?session_id=s1', {}],
    ["ClickHouse's own compression", '/?decompress=1', {}],
    ['zstd bodies', '/', { 'content-encoding': 'zstd' }],
    ['other handlers', '/replicas_status', {}],
    ['multipart bodies', '/', { 'content-type': 'multipart/form-data; boundary=x' }],
    ['progress headers', '/?send_progress_in_http_headers=1', {}],
  ])('answers 501 NOT_IMPLEMENTED for %s', async (_what, path, headers) => {
    const res = await post(path, 'SELECT 1', headers as Record<string, string>);
    expect(res.status).toBe(501);
    expect(res.headers.get('x-clickhouse-exception-code')).toBe('48');
    expect(await res.text()).toContain('the test ClickHouse endpoint does not implement');
  });
});
