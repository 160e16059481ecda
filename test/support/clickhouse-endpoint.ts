/**
 * A ClickHouse HTTP endpoint over the real engine, for tests and benches only (never shipped):
 * this machine has no ClickHouse server (Debian ships 18.16, no Docker engine), so the server
 * transport, several processes on one store, and kills are tested against chDB behind the subset
 * of ClickHouse's HTTP interface that `@clickhouse/client` uses, written from the interface's
 * documentation (docs/en/interfaces/http.md):
 *
 * - the query in the POST body, in `?query=`, or its head in `?query=` and the rest (INSERT
 *   data) in the body, joined by a line feed; INSERT data in any text format, and Native and
 *   RowBinary* bodies (binary, so they reach the engine through a file: chDB's session API
 *   takes insert data only as text, see `insertData`);
 * - `param_<name>` query parameters (escaped text, as the server parses them), `database` (or
 *   `X-ClickHouse-Database`), `query_id`, `default_format` (or `X-ClickHouse-Format`), and every
 *   other URL parameter as a setting of this query only;
 * - Basic auth, `X-ClickHouse-User`/`X-ClickHouse-Key` or `user`/`password` parameters;
 * - gzip, deflate and br request bodies (`Content-Encoding`), and compressed answers when
 *   `enable_http_compression=1` and `Accept-Encoding` ask for it;
 * - on failure the server's status (a subset of its mapping), `X-ClickHouse-Exception-Code`
 *   and `Code: N. DB::Exception: … (NAME) (version …)` as the body; on success
 *   `X-ClickHouse-Summary`, `X-ClickHouse-Query-Id` and `X-ClickHouse-Format`;
 * - `GET` is read-only; `GET /ping` answers `Ok.`.
 *
 * Everything else it cannot answer as a server would (sessions, roles, ClickHouse's own
 * compression, multipart bodies, progress headers, other paths and methods, other binary
 * formats) is a 501 with code 48 (NOT_IMPLEMENTED), so a gap shows as a failing test.
 *
 * Each request runs on its own connection to the one engine (same data path): settings,
 * parameters and the current database then last one request, as without `session_id` on a
 * server, and requests run concurrently, as on a server.
 *
 * Tests can hold requests before they run (`hold`), to kill a client mid-request. A held
 * request runs when released even if its client is gone: a server that has the whole body
 * commits the insert without looking at the socket.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isUtf8 } from 'node:buffer';
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, deflate, gzip, gunzip, inflate } from 'node:zlib';
import { Session, version } from 'chdb';
import { readStatement, type Statement } from './sql-statement.js';

/** Options of one endpoint; every field has a default. */
export interface ClickHouseEndpointOptions {
  /** The engine's data directory. Default: a temporary one, removed by `close()`. */
  dataDir?: string;
  /** Users and their passwords. Default `{ default: '' }`, as a fresh server. */
  users?: Record<string, string>;
  /** Listen address. Default 127.0.0.1, port 0. */
  host?: string;
  port?: number;
}

/** What a hold rule sees of a request: who sent it and its statement (an INSERT without its data). */
export interface RequestInfo {
  user: string;
  query: string;
  /** An INSERT's data when it is text, its first 64 KiB; '' otherwise. */
  data: string;
}

/** A request stopped before it runs; `release()` lets it run. */
export interface HeldRequest extends RequestInfo {
  release(): void;
}

/** One answered request. */
export interface EndpointLogEntry {
  user: string;
  query: string;
  status: number;
}

export interface ClickHouseEndpoint {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request answered, in order. */
  readonly log: readonly EndpointLogEntry[];
  /**
   * Holds the next `count` requests that `match`, before they run; resolves with them once that
   * many are held (a barrier when `count` > 1).
   */
  hold(match: (request: RequestInfo) => boolean, count?: number): Promise<HeldRequest[]>;
  close(): Promise<void>;
}

/** A request the endpoint answers with a ClickHouse exception. */
class EndpointError extends Error {
  constructor(
    readonly code: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const notImplemented = (what: string): EndpointError => new EndpointError(48, 'NOT_IMPLEMENTED', `the test ClickHouse endpoint does not implement ${what}`);

/** URL parameters that are not settings. */
const RESERVED = new Set(['query', 'database', 'default_format', 'query_id', 'user', 'password', 'quota_key', 'buffer_size', 'wait_end_of_query']);
const UNSUPPORTED_PARAMS = ['session_id', 'session_timeout', 'session_check', 'role', 'external', 'stacktrace'];
/** Settings of the HTTP layer: read here, never SET on the engine (it does not know them). */
const HTTP_SETTINGS = new Set([
  'enable_http_compression',
  'http_zlib_compression_level',
  'http_response_buffer_size',
  'http_wait_end_of_query',
  'http_headers_progress_interval_ms',
  'http_native_compression_disable_checksumming_on_decompress',
  'cancel_http_readonly_queries_on_client_close',
  'send_progress_in_http_headers',
]);
/** Text formats chDB's raw insert takes as bytes (parsed by the engine, not in the statement). */
const RAW_INSERT_FORMATS = new Set(['JSONEachRow', 'JSONCompactEachRow', 'CSV', 'CSVWithNames', 'TSV', 'TabSeparated', 'TSVWithNames', 'TabSeparatedWithNames']);
/** Binary formats that reach the engine through `file()`. */
const FILE_FORMATS = new Set(['Native', 'RowBinary', 'RowBinaryWithNames', 'RowBinaryWithNamesAndTypes']);
const READ_VERBS = new Set(['SELECT', 'WITH', 'SHOW', 'DESCRIBE', 'DESC', 'EXISTS', 'EXPLAIN']);
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** A subset of ClickHouse's HTTPHandler exceptionCodeToHTTPStatus. */
function httpStatusOf(code: number): number {
  if (code === 194) return 401;
  if ([192, 193, 497, 516].includes(code)) return 403;
  if ([6, 15, 25, 26, 27, 36, 38, 41, 44, 53, 62, 72, 117, 321, 376].includes(code)) return 400;
  if ([46, 47, 50, 56, 60, 63, 73, 81, 115].includes(code)) return 404;
  if (code === 48) return 501;
  if (code === 159) return 408;
  return 500;
}

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const brotliDecompressAsync = promisify(brotliDecompress);
const gzipAsync = promisify(gzip);
const deflateAsync = promisify(deflate);
const brotliCompressAsync = promisify(brotliCompress);
const engineVersion = version().libchdb.replace(/"/g, '');

/** Starts the endpoint; one engine per process (chDB's rule), so one endpoint per process. */
export async function startClickHouseEndpoint(options: ClickHouseEndpointOptions = {}): Promise<ClickHouseEndpoint> {
  const ownsDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'ch-endpoint-'));
  const uploads = join(dataDir, '..', `.uploads-${randomUUID()}`);
  mkdirSync(uploads, { recursive: true });
  const users = options.users ?? { default: '' };
  // Holds the engine for the endpoint's lifetime; each request opens its own connection to it.
  const engine = new Session(dataDir);
  const log: EndpointLogEntry[] = [];
  const rules: { match: (r: RequestInfo) => boolean; count: number; held: HeldRequest[]; resolve: (held: HeldRequest[]) => void }[] = [];
  const inflight = new Set<Promise<void>>();

  const holdIfAsked = async (info: RequestInfo): Promise<void> => {
    const rule = rules.find((r) => r.held.length < r.count && r.match(info));
    if (!rule) return;
    await new Promise<void>((release) => {
      rule.held.push({ ...info, release: () => release() });
      if (rule.held.length === rule.count) {
        rules.splice(rules.indexOf(rule), 1);
        rule.resolve(rule.held);
      }
    });
  };

  const server: Server = createServer((req, res) => {
    const done = answer(req, res).finally(() => inflight.delete(done));
    inflight.add(done);
  });

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://endpoint');
    const info: RequestInfo = { user: '', query: '', data: '' };
    const queryId = url.searchParams.get('query_id') || randomUUID();
    let compressAnswer: ((body: Buffer) => Promise<Buffer>) | undefined;
    let encoding: string | undefined;
    try {
      if (url.pathname === '/ping' && req.method === 'GET') return send(res, 200, { 'content-type': 'text/plain; charset=UTF-8' }, Buffer.from('Ok.\n'));
      if (url.pathname !== '/') throw notImplemented(`the path ${url.pathname}`);
      if (req.method !== 'GET' && req.method !== 'POST') throw notImplemented(`the method ${req.method}`);
      const params = url.searchParams;
      for (const name of UNSUPPORTED_PARAMS) if (params.has(name)) throw notImplemented(`the '${name}' parameter`);
      if (params.get('compress') === '1' || params.get('decompress') === '1') throw notImplemented("ClickHouse's own HTTP compression (compress/decompress=1)");
      if (/^multipart\//i.test(req.headers['content-type'] ?? '')) throw notImplemented('multipart bodies (external data, multipart query parameters)');
      info.user = authenticate(req, params, users);

      const settings = new Map<string, string>();
      const queryParams = new Map<string, string>();
      for (const [name, value] of params) {
        if (name.startsWith('param_')) queryParams.set(name.slice(6), value);
        else if (name === 'compress' || name === 'decompress') continue;
        else if (!RESERVED.has(name)) settings.set(name, value);
      }
      if (truthy(settings.get('send_progress_in_http_headers'))) throw notImplemented('progress headers (send_progress_in_http_headers)');
      if (truthy(settings.get('enable_http_compression'))) {
        const accepted = String(req.headers['accept-encoding'] ?? '').split(',').map((e) => e.trim().split(';')[0]!.toLowerCase());
        const level = Number(settings.get('http_zlib_compression_level') ?? 3);
        if (accepted.includes('gzip')) [encoding, compressAnswer] = ['gzip', (b) => gzipAsync(b, { level })];
        else if (accepted.includes('deflate')) [encoding, compressAnswer] = ['deflate', (b) => deflateAsync(b, { level })];
        else if (accepted.includes('br')) [encoding, compressAnswer] = ['br', (b) => brotliCompressAsync(b)];
      }

      const body = await readBody(req);
      const urlQuery = params.get('query');
      if (!urlQuery && body.length === 0) return send(res, 200, { 'content-type': 'text/plain; charset=UTF-8' }, Buffer.from('Ok.\n'));
      const sql = urlQuery && body.length > 0 ? Buffer.concat([Buffer.from(urlQuery + '\n'), body]) : urlQuery ? Buffer.from(urlQuery) : body;
      const statement = readStatement(sql);
      if (statement.kind === 'multi') throw new EndpointError(62, 'SYNTAX_ERROR', 'Syntax error (Multi-statements are not allowed)');
      if (statement.kind === 'insert-function') throw notImplemented('INSERT INTO FUNCTION');
      if (req.method === 'GET' && !(statement.kind === 'query' && READ_VERBS.has(statement.verb))) {
        throw new EndpointError(164, 'READONLY', 'Cannot execute query in readonly mode. For queries over HTTP, method GET implies readonly. You should use method POST for modifying queries');
      }
      info.query = statement.kind === 'insert-data' ? statement.head : sql.toString('utf8');
      if (statement.kind === 'insert-data') {
        const preview = sql.subarray(statement.dataOffset, statement.dataOffset + 65_536);
        if (isUtf8(preview)) info.data = preview.toString('utf8');
      }
      await holdIfAsked(info);

      const database = params.get('database') ?? header(req, 'x-clickhouse-database') ?? 'default';
      const defaultFormat = params.get('default_format') ?? header(req, 'x-clickhouse-format') ?? 'TabSeparated';
      const outcome = await run(statement, sql, { settings, queryParams, database, defaultFormat });
      const format = statement.kind === 'query' ? (statement.format ?? defaultFormat) : undefined;
      const payload = compressAnswer ? await compressAnswer(outcome.body) : outcome.body;
      log.push({ user: info.user, query: info.query, status: 200 });
      return send(
        res,
        200,
        {
          'content-type': format ? contentTypeOf(format) : 'text/plain; charset=UTF-8',
          'x-clickhouse-query-id': queryId,
          'x-clickhouse-summary': JSON.stringify(outcome.summary),
          ...(format ? { 'x-clickhouse-format': format } : {}),
          'x-clickhouse-timezone': 'UTC',
          ...(encoding ? { 'content-encoding': encoding } : {}),
        },
        payload,
      );
    } catch (err) {
      const e = asEndpointError(err);
      const status = httpStatusOf(e.code);
      log.push({ user: info.user, query: info.query, status });
      const text = Buffer.from(`Code: ${e.code}. DB::Exception: ${e.message}. (${e.type}) (version ${engineVersion})\n`);
      const payload = compressAnswer ? await compressAnswer(text) : text;
      return send(
        res,
        status,
        {
          'content-type': 'text/plain; charset=UTF-8',
          'x-clickhouse-query-id': queryId,
          'x-clickhouse-exception-code': String(e.code),
          ...(encoding ? { 'content-encoding': encoding } : {}),
        },
        payload,
      );
    }
  }

  interface RunOptions {
    settings: Map<string, string>;
    queryParams: Map<string, string>;
    database: string;
    defaultFormat: string;
  }

  /** Runs one statement on a connection of its own; its settings and parameters die with it. */
  async function run(statement: Statement, sql: Buffer, o: RunOptions): Promise<{ body: Buffer; summary: Record<string, string> }> {
    const connection = new Session(dataDir);
    const started = process.hrtime.bigint();
    try {
      const prelude: string[] = [];
      for (const [name, value] of o.settings) {
        if (HTTP_SETTINGS.has(name)) continue;
        if (!IDENT.test(name)) throw new EndpointError(115, 'UNKNOWN_SETTING', `Unknown setting '${name}'`);
        prelude.push(`SET ${name} = ${/^-?\d+(\.\d+)?$/.test(value) ? value : quote(value)}`);
      }
      for (const [name, value] of o.queryParams) {
        if (!IDENT.test(name)) throw new EndpointError(36, 'BAD_ARGUMENTS', `Invalid query parameter name '${name}'`);
        // The value is the escaped text form, parsed by the engine as the declared type, as a server does.
        prelude.push(`SET param_${name} = ${quote(value)}`);
      }
      if (o.database !== 'default') prelude.push(`USE ${quoteIdent(o.database)}`);
      if (prelude.length > 0) await engineCall(connection.queryAsync(prelude.join('; ')));
      if (statement.kind === 'insert-data') {
        const written = await insertData(connection, statement, sql.subarray(statement.dataOffset));
        return { body: Buffer.alloc(0), summary: summary({ writtenRows: written.rows, writtenBytes: written.bytes, started }) };
      }
      const result = await engineCall(connection.queryAsync(sql.toString('utf8'), { format: o.defaultFormat }));
      const bytes = result.bytes();
      const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return { body, summary: summary({ readRows: result.rowsRead, readBytes: result.bytesRead, resultBytes: body.length, started }) };
    } finally {
      connection.close();
    }
  }

  /**
   * INSERT data. Text goes to chDB's raw insert (bytes handed to the engine's parser) when the
   * head is plain, else inline after the head. Binary formats cannot: chDB's session API takes
   * insert data only as text (its raw insert whitelists text formats, and a statement is a C
   * string, which a Native block's zero bytes would cut), so they are written to a file and
   * inserted with `INSERT … SELECT … FROM file()` — with the target's column types as the
   * structure, which `file()` matches by name for Native, as the server's Native input does.
   */
  async function insertData(connection: Session, statement: Extract<Statement, { kind: 'insert-data' }>, data: Buffer): Promise<{ rows: number; bytes: number }> {
    if (onlySpaces(data)) return { rows: 0, bytes: 0 };
    const plainTable = statement.table.split('.').every((p) => IDENT.test(p));
    const plainColumns = (statement.columns ?? []).every((c) => IDENT.test(c));
    if (RAW_INSERT_FORMATS.has(statement.format) && statement.plain && plainTable && plainColumns) {
      const r = await engineCall(
        connection.insert({ table: statement.table, values: data, format: statement.format as 'JSONEachRow', ...(statement.columns ? { columns: statement.columns } : {}) }),
      );
      return { rows: r.rowsWritten, bytes: r.bytesWritten };
    }
    if (FILE_FORMATS.has(statement.format)) {
      if (!statement.plain) throw notImplemented(`${statement.format} data with anything but a column list between the table and FORMAT`);
      const described = await engineCall(connection.queryAsync(`DESCRIBE TABLE ${statement.table}`, { format: 'JSONEachRow' }));
      const types = new Map(
        described
          .text()
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { name: string; type: string; default_type: string })
          .filter((c) => !['MATERIALIZED', 'ALIAS', 'EPHEMERAL'].includes(c.default_type))
          .map((c) => [c.name, c.type]),
      );
      const columns = statement.columns?.map((c) => c.replace(/^[`"](.*)[`"]$/, '$1')) ?? [...types.keys()];
      const structure = columns.map((c) => {
        const type = types.get(c);
        if (!type) throw new EndpointError(16, 'NO_SUCH_COLUMN_IN_TABLE', `No such column ${c} in table ${statement.table}`);
        return `${quoteIdent(c)} ${type}`;
      });
      const list = columns.map(quoteIdent).join(', ');
      const path = join(uploads, `${randomUUID()}.${statement.format}`);
      await writeFile(path, data);
      try {
        await engineCall(connection.queryAsync(`INSERT INTO ${statement.table} (${list}) SELECT ${list} FROM file(${quote(path)}, ${quote(statement.format)}, ${quote(structure.join(', '))})`));
      } finally {
        await rm(path, { force: true });
      }
      return { rows: 0, bytes: data.length };
    }
    // Any other format: inline, if it is text the statement can carry.
    if (!isUtf8(data) || data.includes(0)) throw notImplemented(`binary ${statement.format} insert data`);
    await engineCall(connection.queryAsync(`${statement.head}\n${data.toString('utf8')}`));
    return { rows: 0, bytes: data.length };
  }

  await new Promise<void>((ready) => server.listen(options.port ?? 0, options.host ?? '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    log,
    hold: (match, count = 1) => new Promise((resolve) => rules.push({ match, count, held: [], resolve })),
    close: () =>
      (closing ??= (async () => {
        // Held requests run, as a server finishes what it received; then the engine goes.
        for (const rule of rules.splice(0)) for (const held of rule.held) held.release();
        server.closeAllConnections();
        await new Promise<void>((done) => server.close(() => done()));
        await Promise.allSettled([...inflight]);
        engine.close();
        rmSync(uploads, { recursive: true, force: true });
        if (ownsDir) rmSync(dataDir, { recursive: true, force: true });
      })()),
  };
}

function authenticate(req: IncomingMessage, params: URLSearchParams, users: Record<string, string>): string {
  let user = header(req, 'x-clickhouse-user');
  let password = header(req, 'x-clickhouse-key');
  const basic = /^Basic\s+(.+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    if (user !== undefined) throw new EndpointError(194, 'REQUIRED_PASSWORD', 'Invalid authentication: it is not allowed to use Authorization HTTP header and authentication via parameters simultaneously');
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    user = colon < 0 ? decoded : decoded.slice(0, colon);
    password = colon < 0 ? '' : decoded.slice(colon + 1);
  } else if (req.headers.authorization) throw notImplemented('authentication other than Basic');
  user ??= params.get('user') ?? 'default';
  password ??= params.get('password') ?? '';
  if (users[user] === undefined || users[user] !== password) {
    throw new EndpointError(516, 'AUTHENTICATION_FAILED', `${user}: Authentication failed: password is incorrect, or there is no user with such name`);
  }
  return user;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const encoding = String(req.headers['content-encoding'] ?? '').toLowerCase().trim();
  try {
    if (encoding === '' || encoding === 'identity') return raw;
    if (encoding === 'gzip') return await gunzipAsync(raw);
    if (encoding === 'deflate') return await inflateAsync(raw);
    if (encoding === 'br') return await brotliDecompressAsync(raw);
  } catch (err) {
    throw new EndpointError(354, 'CANNOT_DECOMPRESS', `cannot decompress the ${encoding} body: ${(err as Error).message}`);
  }
  throw notImplemented(`Content-Encoding: ${encoding}`);
}

/** Awaits an engine call; its errors keep their ClickHouse code and name. */
async function engineCall<T>(call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    throw asEndpointError(err);
  }
}

function asEndpointError(err: unknown): EndpointError {
  if (err instanceof EndpointError) return err;
  const e = err as { clickhouseCode?: number; message?: string };
  const message = e.message ?? String(err);
  const parsed = /^Code: (\d+)\. DB::Exception: ([\s\S]*?)\.? \(([A-Z0-9_]+)\)\s*$/.exec(message.trim());
  if (parsed) return new EndpointError(Number(parsed[1]), parsed[3]!, parsed[2]!);
  return new EndpointError(e.clickhouseCode ?? 1001, 'STD_EXCEPTION', message);
}

function summary(o: { readRows?: number; readBytes?: number; writtenRows?: number; writtenBytes?: number; resultBytes?: number; started: bigint }): Record<string, string> {
  return {
    read_rows: String(o.readRows ?? 0),
    read_bytes: String(o.readBytes ?? 0),
    written_rows: String(o.writtenRows ?? 0),
    written_bytes: String(o.writtenBytes ?? 0),
    total_rows_to_read: '0',
    result_rows: String(o.readRows ?? 0),
    result_bytes: String(o.resultBytes ?? 0),
    elapsed_ns: String(process.hrtime.bigint() - o.started),
  };
}

function contentTypeOf(format: string): string {
  if (format.startsWith('JSON')) return 'application/json; charset=UTF-8';
  if (format.startsWith('TabSeparated') || format.startsWith('TSV')) return 'text/tab-separated-values; charset=UTF-8';
  if (format.startsWith('CSV')) return 'text/csv; charset=UTF-8; header=absent';
  if (FILE_FORMATS.has(format) || format === 'Parquet' || format.startsWith('Arrow')) return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}

function send(res: ServerResponse, status: number, headers: Record<string, string>, body: Buffer): void {
  // The client may be gone (killed mid-request); a server writes into the void too.
  if (res.destroyed) return;
  res.writeHead(status, { ...headers, 'content-length': String(body.length) });
  res.end(body);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Whether `data` holds nothing but spaces (a server inserts nothing then, without an error). */
function onlySpaces(data: Buffer): boolean {
  for (const b of data) if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return false;
  return true;
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && value !== '0' && value.toLowerCase() !== 'false';
}

/** A single-quoted SQL string literal. */
function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function quoteIdent(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}
