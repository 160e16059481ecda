/**
 * A memo for hot paths whose inputs repeat (span shapes, attribute values): a Map that is
 * cleared when it reaches `maxEntries`, so memory stays bounded without LRU bookkeeping.
 */
export class BoundedCache<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly maxEntries: number) {}

  get(key: K, compute: (key: K) => V): V {
    const hit = this.map.get(key);
    if (hit !== undefined || this.map.has(key)) return hit as V;
    const value = compute(key);
    if (this.map.size >= this.maxEntries) this.map.clear();
    this.map.set(key, value);
    return value;
  }
}
