import { describe, expect, it } from 'vitest';
import { OVER_BUDGET_NAME } from '../../../common/types.js';
import { MIN, useReplayedFlood } from '../../helpers/replayed-flood.js';
import { spanRow } from '../../helpers/span-rows.js';

const HOUR = 60 * MIN;

/**
 * A vendor in use for two days whose calls, from one minute on, go to hosts past
 * `budgets.hosts_per_vendor`: the collector stores them as `{over_budget}` (host-budget.test.ts).
 * What the operator is told is that the budget was spent, not that a host named `{over_budget}`
 * is new.
 */
describe('hosts past budgets.hosts_per_vendor, as detection sees them', () => {
  const flood = useReplayedFlood(
    (at) => [
      ...Array.from({ length: 48 }, (_, i) => spanRow({ timestampMs: at - (48 - i) * HOUR, service: 'uploader', vendor: 'flood.example', host: 'api.flood.example', route: '/upload' })),
      ...Array.from({ length: 20 }, (_, i) => spanRow({ timestampMs: at + i * 1000, service: 'uploader', vendor: 'flood.example', host: OVER_BUDGET_NAME, route: '/upload' })),
    ],
    { minutesAgo: 5 },
  );

  it('raises cardinality_budget naming the hosts budget, and no new_destination for {over_budget}', () => {
    const { alerts } = flood;
    const budget = alerts.filter((a) => a.kind === 'cardinality_budget' && a.vendor === 'flood.example');
    expect(budget, JSON.stringify(alerts.map((a) => [a.kind, a.vendor, a.summary]))).toHaveLength(1);
    expect(budget[0]!.summary).toContain('more distinct hosts than budgets.hosts_per_vendor');
    expect(alerts.filter((a) => a.kind === 'new_destination' && a.summary.includes(OVER_BUDGET_NAME))).toEqual([]);
  });
});
