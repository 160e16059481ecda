/**
 * A DateTime64 as the store returns it (`2026-11-23 10:00:00.000`, UTC: the session timezone)
 * → RFC 3339 with milliseconds.
 */
export function isoFromClickHouse(clickhouseTime: string): string {
  return new Date(`${clickhouseTime.replace(' ', 'T')}Z`).toISOString();
}
