import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../common/config/index.js';
import { isAllowed, leakSeverity } from '../../../common/pii-policy.js';
import { DEFAULT_PII_TIERS, highestTier, SENSITIVITY_TIERS, tierAtLeast, tierOf } from '../../../common/pii-tiers.js';
import { PII_CLASSES } from '../../../common/types.js';

describe('sensitivity tiers', () => {
  it('places every built-in class, the fraud and takeover classes highest', () => {
    expect(Object.keys(DEFAULT_PII_TIERS).sort()).toEqual([...PII_CLASSES].sort());
    const top = PII_CLASSES.filter((c) => tierOf(c) === 'special_category').sort();
    expect(top).toEqual(['api_key', 'bearer_token', 'card', 'iban', 'jwt', 'password', 'ssn']);
    for (const c of ['email', 'phone', 'person_name', 'street_address', 'date_of_birth', 'ip_address', 'geo_location']) expect(tierOf(c)).toBe('personal');
  });

  it('takes a custom class as personal unless told otherwise, and follows overrides', () => {
    expect(tierOf('employee_id')).toBe('personal');
    expect(tierOf('employee_id', { employee_id: 'internal' })).toBe('internal');
    expect(tierOf('card', { card: 'personal' })).toBe('personal');
    // Class names come from spans: an inherited property is no override.
    expect(tierOf('constructor', {})).toBe('personal');
    expect(tierOf('__proto__', {})).toBe('personal');
  });

  it('orders the tiers', () => {
    expect(SENSITIVITY_TIERS).toEqual(['public', 'internal', 'personal', 'special_category']);
    expect(tierAtLeast('special_category', 'personal')).toBe(true);
    expect(tierAtLeast('internal', 'personal')).toBe(false);
    expect(highestTier(['internal', 'special_category', 'personal'])).toBe('special_category');
    expect(highestTier([])).toBe('public');
  });
});

describe('isAllowed: the one PII rule of live alerts and policy check', () => {
  const config = parseConfig({
    vendors: { stripe: { allow_pii: ['email', 'card'] }, quiet: {} },
    pii: { custom_classes: ['order_ref', 'employee_id'], tiers: { order_ref: 'internal', ip_address: 'public' } },
  });

  it('lets a vendor receive what its allow_pii lists, and no other personal data', () => {
    expect(isAllowed('stripe', 'card', config)).toBe(true);
    expect(isAllowed('stripe', 'ssn', config)).toBe(false);
    expect(isAllowed('stripe', 'phone', config)).toBe(false);
    expect(isAllowed('quiet', 'email', config)).toBe(false);
  });

  it('allows no personal data to a vendor missing from the config, custom classes included', () => {
    expect(isAllowed('never-seen.example', 'ssn', config)).toBe(false);
    expect(isAllowed('never-seen.example', 'email', config)).toBe(false);
    expect(isAllowed('never-seen.example', 'employee_id', config)).toBe(false);
    expect(isAllowed('__proto__', 'email', config)).toBe(false);
    expect(isAllowed('constructor', 'email', config)).toBe(false);
  });

  it('always allows classes of tier public or internal', () => {
    expect(isAllowed('never-seen.example', 'order_ref', config)).toBe(true);
    expect(isAllowed('never-seen.example', 'ip_address', config)).toBe(true);
    expect(isAllowed('never-seen.example', 'ip_address', { vendors: {} })).toBe(false);
  });

  it('rates a leak critical for special-category classes and warning for the rest', () => {
    expect(leakSeverity('ssn', config)).toBe('critical');
    expect(leakSeverity('jwt', config)).toBe('critical');
    expect(leakSeverity('email', config)).toBe('warning');
    expect(leakSeverity('employee_id', config)).toBe('warning');
    expect(leakSeverity('card', parseConfig({ pii: { tiers: { card: 'personal' } } }))).toBe('warning');
  });
});

describe('the pii: section of egresswatch.yaml', () => {
  const problems = (raw: unknown): string => {
    try {
      parseConfig(raw);
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };

  it('defaults to no overrides and no custom classes', () => {
    expect(parseConfig({}).pii).toEqual({ custom_classes: [], tiers: {} });
  });

  it('names a mistyped class or tier with a hint, one line each', () => {
    const message = problems({ pii: { tiers: { ssm: 'personal', email: 'persnal', card: 'special' } } });
    const lines = message.split('\n');
    expect(lines).toHaveLength(3);
    expect(message).toContain("pii.tiers.email: unknown tier 'persnal' — did you mean 'personal'?");
    expect(message).toContain("pii.tiers.card: unknown tier 'special' — did you mean 'special_category'?");
    expect(message).toContain("pii.tiers.ssm: unknown class 'ssm' — did you mean 'ssn'?");
    expect(message).toMatch(/list your own in pii\.custom_classes/);
  });

  it('places custom classes only once they are declared, and refuses bad or built-in names', () => {
    expect(problems({ pii: { tiers: { employee_id: 'internal' } } })).toMatch(/pii\.tiers\.employee_id: unknown class 'employee_id'/);
    expect(parseConfig({ pii: { custom_classes: ['employee_id'], tiers: { employee_id: 'internal' } } }).pii.tiers).toEqual({ employee_id: 'internal' });
    expect(problems({ pii: { custom_classes: ['Employee-ID'] } })).toMatch(/pii\.custom_classes\[0\]: class names are lowercase/);
    expect(problems({ pii: { custom_classes: ['email'] } })).toMatch(/pii\.custom_classes\[0\]: 'email' is a built-in class/);
    expect(problems({ pii: { tier: {} } })).toMatch(/pii/);
  });
});
