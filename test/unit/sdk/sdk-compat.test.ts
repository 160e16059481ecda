import { describe, expect, it } from 'vitest';
import * as sdk from '@egresswatch/sdk';
import * as compat from '../../../sdk-compat/index.js';

// Services that installed the server package for `egresswatch/sdk` keep working: the old entry
// point hands out the SDK package's own objects, every one of them.
describe('egresswatch/sdk (kept for existing users)', () => {
  it('exports every name of @egresswatch/sdk, as the same objects', () => {
    expect(Object.keys(compat).sort()).toEqual(Object.keys(sdk).sort());
    for (const [name, value] of Object.entries(sdk)) expect(compat[name as keyof typeof compat], name).toBe(value);
  });
});
