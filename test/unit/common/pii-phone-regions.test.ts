import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../common/config/index.js';
import { ConfigError } from '../../../common/errors.js';

describe('pii.phone_regions', () => {
  it('is unset by default (the SDK default applies) and upper-cases what is given', () => {
    expect(parseConfig({}).pii.phone_regions).toBeUndefined();
    expect(parseConfig({ pii: { phone_regions: ['us', 'GB', 'jp'] } }).pii.phone_regions).toEqual(['US', 'GB', 'JP']);
  });

  it('names each code that is not a region, with a hint for UK', () => {
    let message = '';
    try {
      parseConfig({ pii: { phone_regions: ['UK', 'USA', 'DE'] } });
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    expect(message).toContain("pii.phone_regions[0]: 'UK' is not an ISO 3166 code — did you mean 'GB'?");
    expect(message).toContain("pii.phone_regions[1]: 'USA' is not a region");
    expect(() => parseConfig({ pii: { phone_regions: [] } })).toThrow(/pii\.phone_regions/);
  });
});
