import { createHash } from 'node:crypto';

/**
 * Stable hash of a set of `path:type` fields: order-independent (sorted first), 16 hex chars of
 * SHA-256. Two calls with the same request schema share a hash whatever the key order.
 */
export function shapeHash(fields: ReadonlyArray<string>): string {
  const text = [...fields].sort().join('\n');
  const known = memo.get(text);
  if (known) return known;
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(text, hash);
  return hash;
}

// A service sends a handful of request schemas over and over; fields hold no values.
const MEMO_MAX = 1024;
const memo = new Map<string, string>();
