import { describe, expect, it } from 'vitest';
import { classifyValue, mayMatchByValue, type ClassifierOptions } from '../../../packages/sdk/src/pii-classifier.js';
import { detectCard, detectIban, detectJwt, detectSsn, luhnValid } from '../../../packages/sdk/src/pii-detectors.js';

const options: ClassifierOptions = { defaultPhoneCountry: 'US', minConfidence: 0.5, custom: [] };
const classes = (value: string | number, field = 'value', opts = options): string[] =>
  classifyValue(value, field, opts)
    .map((m) => m.piiClass)
    .sort();

const JWT =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c';

describe('value detectors', () => {
  it('accepts Luhn-valid card numbers and rejects one digit off', () => {
    expect(luhnValid('4242424242424242')).toBe(true);
    expect(detectCard('4242 4242 4242 4242')).toBeGreaterThan(0.9);
    expect(detectCard('4242-4242-4242-4241')).toBe(0);
    expect(detectCard('0000000000000000')).toBe(0);
  });

  it('validates IBAN check digits (mod 97)', () => {
    expect(detectIban('GB82 WEST 1234 5698 7654 32')).toBeGreaterThan(0.9);
    expect(detectIban('DE89370400440532013000')).toBeGreaterThan(0.9);
    expect(detectIban('GB82WEST12345698765433')).toBe(0);
  });

  it('rejects SSNs the SSA never issues', () => {
    expect(detectSsn('123-45-6789')).toBeGreaterThan(0.8);
    for (const bad of ['000-12-3456', '666-12-3456', '912-34-5678', '123-00-4567', '123-45-0000']) expect(detectSsn(bad)).toBe(0);
  });

  it('needs a decodable JWT header, not just three dots', () => {
    expect(detectJwt(JWT)).toBeGreaterThan(0.9);
    expect(detectJwt('eyJub3QiOiJqd3QifQ.abc.def')).toBe(0);
    expect(detectJwt('a.b.c')).toBe(0);
  });
});

describe('classifyValue', () => {
  it('classifies canary values whatever the field is called', () => {
    expect(classes('alice@example.com')).toEqual(['email']);
    expect(classes('+1 415 555 2671')).toEqual(['phone']);
    expect(classes('4111111111111111')).toEqual(['card']);
    expect(classes('123-45-6789')).toEqual(['ssn']);
    expect(classes(JWT)).toEqual(['jwt']);
    expect(classes('10.1.2.3')).toEqual(['ip_address']);
    expect(classes('2001:db8::1')).toEqual(['ip_address']);
    expect(classes('sk_live_4eC39HqLyjWDarjtT1zdp7dc')).toEqual(['api_key']);
    expect(classes('Bearer abcdefghijklmnop')).toEqual(['bearer_token']);
    expect(classes('DE89370400440532013000')).toEqual(['iban']);
    expect(classes('GB82 WEST 1234 5698 7654 32')).toEqual(['iban']);
    expect(classes('bearer abcdefghijklmnop')).toEqual(['bearer_token']);
    expect(classes('4111 1111 1111 1111')).toEqual(['card']);
  });

  it('finds nothing in words with spaces but a token or IBAN, wherever the space is', () => {
    for (const v of ['A fine widget of medium size', 'Jenny Rosen', 'mail jo@example.com', 'Token abcdefghijklmnop', 'GB82 WEST 1234 5698 7654 33']) {
      expect(classes(v)).toEqual([]);
    }
  });

  it('does not flag ordinary values', () => {
    for (const v of ['hello world', 'usd', 'ch_3MtwBwLkdIwHu7ix28a3tqPa', '2024-01-05', 'not@an', '12345', 'a@b']) expect(classes(v)).toEqual([]);
    expect(classes(42, 'amount')).toEqual([]);
  });

  it('uses field names as hints, only when the field carries a value', () => {
    expect(classes('hunter2', 'password')).toEqual(['password']);
    expect(classes('Jenny', 'first_name')).toEqual(['person_name']);
    expect(classes('1990-04-21', 'dateOfBirth')).toEqual(['date_of_birth']);
    expect(classes('soon', 'dob')).toEqual([]);
    expect(classes('', 'password')).toEqual([]);
    expect(classes('1 Main St', 'shipping_address')).toEqual(['street_address']);
    // Nine bare digits are an SSN only with a name that says so.
    expect(classes('123456789', 'id')).toEqual([]);
    expect(classes('123456789', 'ssn')).toEqual(['ssn']);
  });

  it('supports custom classes by regex, function and field name, and survives a throwing one', () => {
    const custom: ClassifierOptions = {
      ...options,
      custom: [
        { name: 'employee_id', pattern: /^EMP-\d{6}$/ },
        { name: 'loyalty', fieldNames: ['loyaltyNumber'] },
        { name: 'broken', test: () => { throw new Error('boom'); } },
      ],
    };
    expect(classes('EMP-123456', 'x', custom)).toEqual(['employee_id']);
    expect(classes('anything', 'loyalty_number', custom)).toEqual(['loyalty']);
    expect(classes('plain', 'x', custom)).toEqual([]);
  });

  it('reports a confidence and drops matches below the threshold', () => {
    const [match] = classifyValue('alice@example.com', 'email', options);
    expect(match?.confidence).toBeGreaterThan(0.9);
    expect(classes('Jenny', 'first_name', { ...options, minConfidence: 0.95 })).toEqual([]);
  });

  it('rules a value out by its characters only when no value detector could match it', () => {
    const pii = ['alice@example.com', '+14155552671', '(415) 555-2671', '4242 4242 4242 4242', 'GB82 WEST 1234 5698 7654 32', '123-45-6789',
      '192.168.0.1', '2001:db8::1', JWT, 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'Bearer abcdefghijkl', '37.7749,-122.4194'];
    for (const value of pii) {
      expect(classes(value), value).not.toEqual([]);
      // The same check on a range of a larger text, as a body scanner does it.
      expect(mayMatchByValue(`{"v":"${value}"}`, 6, 6 + value.length), value).toBe(true);
    }
    for (const value of ['usd', 'A fine widget of medium size', 'approved_by_network', 'order_123']) expect(mayMatchByValue(value, 0, value.length), value).toBe(false);
  });
});
