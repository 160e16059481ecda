import { readFileSync } from 'node:fs';

/**
 * Where a process's resident memory is, from /proc/<pid>/smaps, by kind of mapping. bench:soak
 * records it beside RSS so that a change of RSS can be put on one allocator: the figures are
 * heuristics over mapping shapes (Linux x86-64, glibc, Node 20), not the allocators' own counts.
 */
export interface SmapsBreakdown {
  /** Resident pages of libchdb.so (the engine's code and read-only data, shared and clean). */
  chdbFile: number;
  /** Every other file mapping (node's own code, libc, the engine's data files). */
  otherFiles: number;
  /** V8 heap pages: anonymous mappings of exactly 256 KiB (V8's page size), every isolate. */
  v8Pages: number;
  /** glibc's main arena: the `[heap]` (brk) segment; Node's own malloc, ArrayBuffer stores. */
  glibcMain: number;
  /**
   * glibc's per-thread arenas: 64 MiB-aligned heaps, the read-write head of a 64 MiB reservation
   * (HEAP_MAX_SIZE on 64-bit). One per thread that mallocs, up to 8 × cores unless MALLOC_ARENA_MAX.
   */
  glibcThreadArenas: number;
  /** Thread stacks (8 MiB reservations, a few pages touched each). */
  stacks: number;
  /** Every other anonymous page: the engine's jemalloc extents, large malloc()s mmapped by glibc, V8's large objects. */
  otherAnon: number;
}

const HEAP_MAX = 64 * 1024 * 1024;
const V8_PAGE = 256 * 1024;
const STACK = 8 * 1024 * 1024;

interface Mapping {
  start: number;
  end: number;
  perm: string;
  name: string;
  rss: number;
  anon: number;
}

function parse(text: string): Mapping[] {
  const maps: Mapping[] = [];
  let cur: Mapping | undefined;
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (head) {
      cur = { start: parseInt(head[1]!, 16), end: parseInt(head[2]!, 16), perm: head[3]!, name: head[4]!.trim(), rss: 0, anon: 0 };
      maps.push(cur);
    } else if (cur && line.startsWith('Rss:')) {
      cur.rss = Number(line.split(/\s+/)[1]) * 1024;
    } else if (cur && line.startsWith('Anonymous:')) {
      cur.anon = Number(line.split(/\s+/)[1]) * 1024;
    }
  }
  return maps;
}

/** The breakdown of `pid` (default this process), in bytes. */
export function readSmapsBreakdown(pid: number | 'self' = 'self'): SmapsBreakdown {
  const maps = parse(readFileSync(`/proc/${pid}/smaps`, 'utf8'));
  const out: SmapsBreakdown = { chdbFile: 0, otherFiles: 0, v8Pages: 0, glibcMain: 0, glibcThreadArenas: 0, stacks: 0, otherAnon: 0 };
  maps.forEach((m, i) => {
    const size = m.end - m.start;
    if (m.name.startsWith('/')) {
      if (m.name.endsWith('/libchdb.so')) out.chdbFile += m.rss;
      else out.otherFiles += m.rss;
    } else if (m.name === '[heap]') out.glibcMain += m.anon;
    else if (m.name.startsWith('[stack')) out.stacks += m.anon;
    else if (m.name !== '') out.otherAnon += m.anon;
    else if (size === V8_PAGE) out.v8Pages += m.anon;
    else if (m.start % HEAP_MAX === 0 && m.perm.startsWith('rw') && isArenaHead(m, maps[i + 1])) out.glibcThreadArenas += m.anon;
    else if (size === STACK || (size === STACK - 4096 && m.perm.startsWith('rw'))) out.stacks += m.anon;
    else out.otherAnon += m.anon;
  });
  return out;
}

function isArenaHead(m: Mapping, next: Mapping | undefined): boolean {
  if (m.end - m.start === HEAP_MAX) return true;
  return next !== undefined && next.start === m.end && next.perm === '---p' && next.end - m.start === HEAP_MAX;
}
