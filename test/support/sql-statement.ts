/**
 * Just enough of ClickHouse's SQL lexer for the test endpoint to do what the HTTP handler does
 * before it hands a statement to the engine: find where an INSERT's data starts (the data may be
 * binary, so the scan works on bytes and never decodes past the head), refuse multi-statements,
 * and see the statement's kind and output FORMAT. Strings, quoted identifiers and comments are
 * skipped so that a `;` or `FORMAT` inside them means nothing.
 */

/** What the endpoint needs to know about one request's statement. */
export type Statement =
  | {
      kind: 'insert-data';
      /** `INSERT INTO … FORMAT X`, as text, without the data. */
      head: string;
      /** Target as written (`t`, `db.t`, `` `t` ``). */
      table: string;
      /** Column list as written, if any. */
      columns: string[] | undefined;
      /** Whether the head has anything besides table, columns and FORMAT (SETTINGS, …). */
      plain: boolean;
      format: string;
      /** Byte offset where the data starts. */
      dataOffset: number;
    }
  | { kind: 'insert-function' }
  | { kind: 'multi' }
  | {
      kind: 'query';
      /** First keyword, upper case (SELECT, WITH, INSERT, CREATE, …). */
      verb: string;
      /** The output FORMAT named in the statement, if any. */
      format: string | undefined;
    };

interface Token {
  type: 'word' | 'quoted-ident' | 'string' | 'number' | 'punct';
  text: string;
  start: number;
  end: number;
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0c || c === 0x0b;
const isWordStart = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x5f || c >= 0x80;
const isWordPart = (c: number): boolean => isWordStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x24;

/** Tokens of `sql` (bytes) from `from`, lazily: an INSERT head is read without touching its data. Comments and spaces are skipped. */
function* tokens(sql: Uint8Array, from = 0): Generator<Token> {
  let i = from;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (isSpace(c)) {
      i++;
      continue;
    }
    if ((c === 0x2d && sql[i + 1] === 0x2d) || c === 0x23) {
      while (i < n && sql[i] !== 0x0a) i++;
      continue;
    }
    if (c === 0x2f && sql[i + 1] === 0x2a) {
      const close = Buffer.from(sql.buffer, sql.byteOffset, sql.length).indexOf('*/', i + 2, 'latin1');
      i = close < 0 ? n : close + 2;
      continue;
    }
    const start = i;
    if (c === 0x27 || c === 0x22 || c === 0x60) {
      // 'string', "identifier", `identifier`: backslash escapes and a doubled quote.
      i++;
      while (i < n) {
        const d = sql[i]!;
        if (d === 0x5c) i += 2;
        else if (d === c && sql[i + 1] === c) i += 2;
        else if (d === c) {
          i++;
          break;
        } else i++;
      }
      yield { type: c === 0x27 ? 'string' : 'quoted-ident', text: latin1(sql, start, i), start, end: i };
      continue;
    }
    if (isWordStart(c)) {
      while (i < n && isWordPart(sql[i]!)) i++;
      yield { type: 'word', text: latin1(sql, start, i), start, end: i };
      continue;
    }
    if (c >= 0x30 && c <= 0x39) {
      while (i < n && (isWordPart(sql[i]!) || sql[i] === 0x2e)) i++;
      yield { type: 'number', text: latin1(sql, start, i), start, end: i };
      continue;
    }
    i++;
    yield { type: 'punct', text: String.fromCharCode(c), start, end: i };
  }
}

function latin1(sql: Uint8Array, start: number, end: number): string {
  return Buffer.from(sql.buffer, sql.byteOffset + start, end - start).toString('latin1');
}

const upper = (t: Token | undefined): string => (t?.type === 'word' ? t.text.toUpperCase() : '');

/**
 * Reads the statement at the start of `sql`. An INSERT that carries data (`FORMAT X` or
 * `VALUES`) ends where its data begins: as in ClickHouse's parser, the data starts after the
 * spaces that follow the format name and at most one line break.
 */
export function readStatement(sql: Uint8Array): Statement {
  const it = tokens(sql);
  const verb = upper(it.next().value as Token | undefined);
  return verb === 'INSERT' ? readInsert(sql, it) : readRest(it, verb);
}

/** The rest of a statement that carries no data: its output FORMAT, and no second statement. */
function readRest(it: Generator<Token>, verb: string, from?: Token): Statement {
  let depth = 0;
  let format: string | undefined;
  let previous: Token | undefined;
  for (let t = from ?? (it.next().value as Token | undefined); t; t = it.next().value as Token | undefined) {
    if (t.type === 'punct' && t.text === '(') depth++;
    else if (t.type === 'punct' && t.text === ')') depth--;
    else if (t.type === 'punct' && t.text === ';' && depth === 0) {
      // A trailing `;` is allowed; anything after it is a second statement.
      return it.next().done ? { kind: 'query', verb, format } : { kind: 'multi' };
    } else if (depth === 0 && upper(previous) === 'FORMAT' && (t.type === 'word' || t.type === 'quoted-ident')) format = unquote(t.text);
    previous = t;
  }
  return { kind: 'query', verb, format };
}

function readInsert(sql: Uint8Array, it: Generator<Token>): Statement {
  let t = it.next().value as Token | undefined;
  if (upper(t) === 'INTO') t = it.next().value as Token | undefined;
  if (upper(t) === 'TABLE') t = it.next().value as Token | undefined;
  if (upper(t) === 'FUNCTION') return { kind: 'insert-function' };
  // The target: name or db.name, each part plain or quoted.
  const tableStart = t?.start ?? 0;
  let tableEnd = t?.end ?? 0;
  t = it.next().value as Token | undefined;
  while (t?.type === 'punct' && t.text === '.') {
    const part = it.next().value as Token | undefined;
    tableEnd = part?.end ?? tableEnd;
    t = it.next().value as Token | undefined;
  }
  const table = latin1(sql, tableStart, tableEnd);
  let columns: string[] | undefined;
  if (t?.type === 'punct' && t.text === '(') {
    columns = [];
    let depth = 1;
    let column = '';
    for (t = it.next().value as Token | undefined; t && depth > 0; t = it.next().value as Token | undefined) {
      if (t.type === 'punct' && t.text === '(') depth++;
      if (t.type === 'punct' && t.text === ')') depth--;
      if (depth === 0 || (depth === 1 && t.type === 'punct' && t.text === ',')) {
        if (column) columns.push(column);
        column = '';
      } else column += t.text;
    }
  }
  let plain = true;
  let depth = 0;
  for (; t; t = it.next().value as Token | undefined) {
    const word = depth === 0 ? upper(t) : '';
    if (word === 'FORMAT') {
      const name = it.next().value as Token | undefined;
      if (!name) break;
      let dataOffset = name.end;
      while (dataOffset < sql.length && (sql[dataOffset] === 0x20 || sql[dataOffset] === 0x09 || sql[dataOffset] === 0x0c)) dataOffset++;
      if (sql[dataOffset] === 0x0d) dataOffset++;
      if (sql[dataOffset] === 0x0a) dataOffset++;
      const head = Buffer.from(sql.buffer, sql.byteOffset, name.end).toString('utf8');
      return { kind: 'insert-data', head, table, columns, plain, format: unquote(name.text), dataOffset };
    }
    // VALUES: the rows are SQL literals, run as one statement with the head. SELECT: no data.
    if (word === 'VALUES') return { kind: 'query', verb: 'INSERT', format: undefined };
    if (word === 'SELECT' || word === 'WITH' || (t.type === 'punct' && t.text === ';' && depth === 0)) break;
    if (t.type === 'punct' && t.text === '(') depth++;
    if (t.type === 'punct' && t.text === ')') depth--;
    plain = false;
  }
  return readRest(it, 'INSERT', t);
}

function unquote(text: string): string {
  const q = text[0];
  return q === '`' || q === '"' ? text.slice(1, -1) : text;
}
