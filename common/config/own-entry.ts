/**
 * `record[key]` for a key that comes from span data (a vendor id, a service). Config records are
 * plain objects, so `config.vendors['__proto__']` would be Object.prototype and
 * `config.vendors['constructor']` a function: only own entries count.
 */
export function ownEntry<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
