/** Bounds of a BoundedCache beyond its count, for string keys that come from spans. */
export interface KeyBounds {
  /** Keys longer than this are computed each time and never kept. */
  longestKey?: number;
  /** All kept keys together, in characters: the cache is cleared when the next key would pass it. */
  keyChars?: number;
}

/**
 * A memo for hot paths whose inputs repeat (span shapes, attribute values): a Map that is
 * cleared when it reaches `maxEntries`, so memory stays bounded without LRU bookkeeping.
 *
 * Keys come from spans, so a count alone does not bound the memory: 100 distinct 1 MB attribute
 * keys held 102 MB, and 10,000 distinct 16 KB field lists would be 160 MB of keys. `bounds`
 * leaves long keys out and caps the kept keys' total length.
 */
export class BoundedCache<K, V> {
  private readonly map = new Map<K, V>();
  private keyChars = 0;
  private readonly longestKey: number;
  private readonly maxKeyChars: number;

  constructor(
    private readonly maxEntries: number,
    bounds: KeyBounds = {},
  ) {
    this.longestKey = bounds.longestKey ?? Infinity;
    this.maxKeyChars = bounds.keyChars ?? Infinity;
  }

  get(key: K, compute: (key: K) => V): V {
    const chars = typeof key === 'string' ? key.length : 0;
    if (chars > this.longestKey) return compute(key);
    const hit = this.map.get(key);
    if (hit !== undefined || this.map.has(key)) return hit as V;
    const value = compute(key);
    if (this.map.size >= this.maxEntries || this.keyChars + chars > this.maxKeyChars) {
      this.map.clear();
      this.keyChars = 0;
    }
    this.map.set(key, value);
    this.keyChars += chars;
    return value;
  }
}
