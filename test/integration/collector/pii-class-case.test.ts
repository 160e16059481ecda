import { describe, expect, it } from 'vitest';
import { useStartedInstance } from '../../helpers/egresswatch-process.js';
import { eventually } from '../../helpers/eventually.js';
import { jsonBody, jsonSpan } from '../../helpers/otlp-bodies.js';

/** A Stripe call from an SDK that writes PII classes its own way. */
const stripeCall = (index: number, pii: string[], extra: Record<string, string> = {}): Record<string, unknown> =>
  jsonSpan({
    index,
    attributes: {
      'http.request.method': 'POST',
      'url.full': 'https://api.stripe.com/v1/customers',
      'egress.request.fields': ['customer.email:string', 'customer.staff:string', 'card.number:string'],
      'egress.request.pii': pii,
      ...extra,
    },
  });

describe('PII classes the contract says are lowercase, as other SDKs send them', () => {
  const started = useStartedInstance();

  const post = async (body: string): Promise<void> => {
    const res = await fetch(`${started.ew.url}/v1/traces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
  };
  const dropped = async (reason: string): Promise<number> => {
    const text = await (await fetch(`${started.ew.url}/metrics`)).text();
    return Number(new RegExp(`^egresswatch_pii_entries_dropped_total\\{reason="${reason}"\\} (\\S+)$`, 'm').exec(text)?.[1] ?? 0);
  };
  const stripePii = async (): Promise<string[]> => {
    const res = await fetch(`${started.ew.url}/api/vendors?vendor=stripe`, { headers: { authorization: `Bearer ${started.ew.apiToken}` } });
    expect(res.status).toBe(200);
    const { vendors } = (await res.json()) as { vendors: { vendor: string; pii: string[] }[] };
    return vendors.find((v) => v.vendor === 'stripe')?.pii ?? [];
  };

  it('stores EMAIL as email and a custom Employee_Id as employee_id; an entry that is no class is counted, the span kept', async () => {
    const before = await dropped('invalid_class');
    const pii = ['customer.email:EMAIL', 'customer.staff:Employee_Id', 'card.number:credit-card'];
    await post(jsonBody([0, 1, 2].map((i) => stripeCall(i, pii)), 'checkout'));

    // What the inventory (and so pii_new, the policy gate and the map) sees.
    const classes = await stripePii();
    expect(classes).toEqual(expect.arrayContaining(['email', 'employee_id']));
    expect(classes.some((c) => /[A-Z-]/.test(c))).toBe(false);
    // credit-card is not a class name: not stored, and said so once per span.
    expect((await dropped('invalid_class')) - before).toBe(3);
  });

  it('counts entries dropped on the decode worker too (a body over 1 MiB)', async () => {
    const before = await dropped('invalid_class');
    const padding = 'x'.repeat(4096);
    const spans = Array.from({ length: 300 }, (_, i) => stripeCall(100 + i, ['customer.email:E-MAIL'], { padding }));
    const body = jsonBody(spans, 'checkout');
    expect(Buffer.byteLength(body)).toBeGreaterThan(1024 * 1024);
    await post(body);
    // The worker's tally reaches the metric after the answer, on a channel of its own.
    await eventually(async () => expect((await dropped('invalid_class')) - before).toBe(300));
  });
});
