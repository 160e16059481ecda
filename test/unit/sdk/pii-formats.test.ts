import { describe, expect, it } from 'vitest';
import { extractShape } from '../../../packages/sdk/src/body-shape.js';
import { ConfigError } from '../../../packages/sdk/src/config-error.js';
import { optionsFromEnv } from '../../../packages/sdk/src/env-options.js';
import { classifyValue, mayMatchByValue, type ClassifierOptions } from '../../../packages/sdk/src/pii-classifier.js';
import { DEFAULT_PHONE_REGIONS } from '../../../packages/sdk/src/phone-detector.js';
import { resolveCaptureSettings } from '../../../packages/sdk/src/settings.js';
import { FORMAT_CASES, NO_PII } from './pii-format-cases.js';

const options: ClassifierOptions = { minConfidence: 0.5, custom: [] };
const classes = (value: string, field = 'value', opts = options): string[] =>
  classifyValue(value, field, opts)
    .map((m) => m.piiClass)
    .sort();

describe.each(FORMAT_CASES)('$piiClass by value alone', ({ piiClass, found, nearMiss }) => {
  it.each(found)('finds %s', (value) => {
    expect(classes(value)).toContain(piiClass);
    // A body scanner rules values out by their characters before classifying them.
    expect(mayMatchByValue(`{"v":"${value}"}`, 6, 6 + value.length)).toBe(true);
  });

  it.each(nearMiss)('does not take %s for one', (value) => {
    expect(classes(value)).not.toContain(piiClass);
  });
});

describe('values that are no PII', () => {
  it.each(NO_PII)('flags nothing in %s', (value) => {
    expect(classes(value)).toEqual([]);
  });

  it('finds every class in a JSON body whose field names say nothing, and nothing in the ids beside them', () => {
    const body: Record<string, string> = {};
    FORMAT_CASES.forEach((c, i) => c.found.forEach((v, k) => (body[`f${i}_${k}`] = v)));
    NO_PII.forEach((v, k) => (body[`n${k}`] = v));
    const shape = extractShape(JSON.stringify(body), 'json', false, { maxFields: 512, maxDepth: 4 }, options);
    const pii = new Map((shape?.pii ?? []).map((entry) => [entry.slice(0, entry.indexOf(':')), entry.slice(entry.indexOf(':') + 1)]));
    FORMAT_CASES.forEach((c, i) => c.found.forEach((v, k) => expect(pii.get(`f${i}_${k}`), v).toBe(c.piiClass)));
    NO_PII.forEach((v, k) => expect(pii.get(`n${k}`), v).toBeUndefined());
  });
});

describe('bare digit strings', () => {
  // Ids are bare digits too: 40% of random 10-digit ids are valid NANP numbers, so a phone
  // written as bare digits, like nine bare digits for an SSN, counts only under a name that says so.
  it.each([
    ['4155550132', 'phone', 'phone'],
    ['02079460958', 'phone', 'mobile_number'],
    ['13812345678', 'phone', 'customer_phone'],
    ['536221987', 'ssn', 'ssn'],
  ])('%s is %s only in a field named so', (value, piiClass, field) => {
    expect(classes(value)).toEqual([]);
    expect(classes(value, field)).toEqual([piiClass]);
  });

  it('takes no 13–19 digit id for a card unless an issuer issues that length under its prefix', () => {
    // Luhn-valid, all: epoch milliseconds, a 16-digit `1…`, a 15-digit Visa, a 16-digit Amex.
    for (const v of ['1733299200100', '1000000000000008', '411111111111108', '3782822463100003']) expect(classes(v), v).toEqual([]);
    expect(classes('135412345678911')).toEqual(['card']); // UATP, 15 digits under 1
  });
});

describe('phone regions', () => {
  const only = (regions: string[]): ClassifierOptions => ({ ...options, phoneRegions: regions });

  it('recognises national numbers of the configured regions only, and international ones always', () => {
    expect(classes('020 7946 0958', 'value', only(['US']))).toEqual([]);
    expect(classes('020 7946 0958', 'value', only(['GB']))).toEqual(['phone']);
    expect(classes('(415) 555-0132', 'value', only(['GB']))).toEqual([]);
    expect(classes('+44 20 7946 0958', 'value', only(['US']))).toEqual(['phone']);
    expect(classes('09-7625400', 'value', only(['IL']))).toEqual(['phone']);
    // The deprecated single region still means that region alone.
    expect(classes('020 7946 0958', 'value', { ...options, defaultPhoneCountry: 'GB' })).toEqual(['phone']);
    expect(classes('020 7946 0958', 'value', { ...options, defaultPhoneCountry: 'US' })).toEqual([]);
  });

  it('defaults to ten regions, not only the US', () => {
    expect(resolveCaptureSettings().classifier.phoneRegions).toEqual(DEFAULT_PHONE_REGIONS);
    expect(DEFAULT_PHONE_REGIONS).toEqual(['US', 'GB', 'DE', 'FR', 'IN', 'JP', 'CN', 'IL', 'BR', 'AU']);
  });

  it('takes pii.phoneRegions from options and EGRESSWATCH_PHONE_REGIONS, and names an unknown region', () => {
    expect(resolveCaptureSettings({ pii: { phoneRegions: ['gb', 'US', 'GB'] } }).classifier.phoneRegions).toEqual(['GB', 'US']);
    expect(resolveCaptureSettings({ pii: { defaultPhoneCountry: 'de' } }).classifier.phoneRegions).toEqual(['DE']);
    const fromEnv = optionsFromEnv({ EGRESSWATCH_PHONE_REGIONS: 'GB, de,' });
    expect(resolveCaptureSettings(fromEnv).classifier.phoneRegions).toEqual(['GB', 'DE']);
    expect(() => resolveCaptureSettings({ pii: { phoneRegions: ['US', 'UK'] } })).toThrow(ConfigError);
    expect(() => resolveCaptureSettings({ pii: { phoneRegions: ['US', 'UK'] } })).toThrow("pii.phoneRegions: unknown region 'UK' — did you mean 'GB'?");
    expect(resolveCaptureSettings({ pii: { phoneRegions: [] } }).classifier.phoneRegions).toEqual([]);
    expect(classes('020 7946 0958', 'value', only([]))).toEqual([]);
    expect(classes('+44 20 7946 0958', 'value', only([]))).toEqual(['phone']);
  });
});
