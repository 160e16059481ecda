import { describe, expect, it } from 'vitest';
import type { Destination, MapField } from '../../../common/history.js';
import { detectBudgetHits } from '../../../detectors/budget-detector.js';

const window = { from: 1_000_000 * 60_000, to: 1_000_001 * 60_000 };

function field(vendor: string, route: string, name: string, lastSeen: number): MapField {
  return { vendor, service: 'svc', route, direction: 'request', field: name, type: 'string', pii: '', firstSeen: lastSeen, lastSeen, calls: 1 };
}

describe('detectBudgetHits', () => {
  it('names the vendor and the budget that was spent in the window, once per vendor', () => {
    const findings = detectBudgetHits(
      [{ vendor: 'acme', calls: 12 }],
      [field('acme', '/v1/a', '{over_budget}', window.from + 1), field('acme', '/v1/b', '{over_budget}', window.from + 2), field('other', '/x', '{over_budget}', window.from - 60_000)],
      window,
    );
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'cardinality_budget', vendor: 'acme', severity: 'warning', details: { routes_over_budget: 'true', field_budget_routes: '/v1/a,/v1/b' } });
    expect(findings[0]!.summary).toContain('budgets.routes_per_vendor');
  });

  it('says nothing when no budget was hit in the window', () => {
    expect(detectBudgetHits([{ vendor: 'acme', calls: 0 }], [field('acme', '/v1/a', 'name', window.from)], window)).toEqual([]);
  });
});

describe('hosts past budgets.hosts_per_vendor', () => {
  const dest = (vendor: string, host: string, lastSeen: number): Destination => ({ vendor, service: 'svc', host, firstSeen: window.from - 3_600_000, lastSeen });

  it('raise cardinality_budget for the vendor whose {over_budget} host was called in the window', () => {
    const findings = detectBudgetHits([], [], window, [dest('acme', '{over_budget}', window.from + 5), dest('acme', 'api.acme.test', window.from + 5), dest('old', '{over_budget}', window.from - 60_000)]);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ kind: 'cardinality_budget', vendor: 'acme', details: { hosts_over_budget: 'true', routes_over_budget: 'false' } });
    expect(findings[0]!.summary).toContain('more distinct hosts than budgets.hosts_per_vendor');
  });
});
