/**
 * A memo for hot paths whose inputs repeat (span shapes, attribute values): a Map that is
 * cleared when it reaches `maxEntries`, so memory stays bounded without LRU bookkeeping.
 *
 * Keys come from spans, so a count alone does not bound the memory: 10,000 distinct 16 KB field
 * lists are 160 MB of keys. `maxKeyChars` bounds the string keys' total length as well (a cache
 * is cleared when the next key would pass it).
 */
export class BoundedCache<K, V> {
  private readonly map = new Map<K, V>();
  private keyChars = 0;
  constructor(
    private readonly maxEntries: number,
    private readonly maxKeyChars = Infinity,
  ) {}

  get(key: K, compute: (key: K) => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined || this.map.has(key)) return hit as V;
    const value = compute(key);
    const chars = typeof key === 'string' ? key.length : 0;
    if (this.map.size >= this.maxEntries || this.keyChars + chars > this.maxKeyChars) {
      this.map.clear();
      this.keyChars = 0;
    }
    this.map.set(key, value);
    this.keyChars += chars;
    return value;
  }
}
