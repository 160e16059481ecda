/** Rows for the dashboard tests besides spans (test/helpers/span-rows.ts builds those). */

/** One `alerts` row: a firing warning volume spike unless `o` says otherwise. */
export function alertRow(o: Record<string, unknown>): Record<string, unknown> {
  return { kind: 'volume_spike', severity: 'warning', service: 'checkout', route: '', field: '', summary: 's', value: 10, expected: 2, labels: {}, annotations: {}, ends_at: null, ...o };
}
