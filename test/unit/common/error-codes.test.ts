import { describe, expect, it } from 'vitest';
import {
  ApiError,
  ConfigError,
  DecodeError,
  ERROR_CODES,
  hasErrorCode,
  PayloadTooLargeError,
  PermanentDeliveryError,
  RetryableDeliveryError,
  SaturatedError,
  StoreError,
  UnavailableError,
  UnsupportedMediaTypeError,
  type ErrorCode,
} from '../../../common/errors.js';

describe('error codes', () => {
  it('each error class has its own code from the closed set', () => {
    const errors = [
      new ConfigError('c'),
      new DecodeError('d'),
      new PayloadTooLargeError('p'),
      new UnsupportedMediaTypeError('m'),
      new SaturatedError('s', 1),
      new StoreError('st', '60'),
      new UnavailableError('u'),
      new PermanentDeliveryError('pd'),
      new RetryableDeliveryError('rd', undefined),
      new ApiError('a'),
    ];
    expect(errors.map((e) => e.code).sort()).toEqual([...ERROR_CODES].sort());
  });

  it('narrows by code, and a code outside the set does not compile', () => {
    const err: unknown = new ConfigError('bad key');
    expect(hasErrorCode(err, 'EW_ERR_CONFIG')).toBe(true);
    expect(hasErrorCode(err, 'EW_ERR_STORE')).toBe(false);
    expect(hasErrorCode(new Error('plain'), 'EW_ERR_CONFIG')).toBe(false);
    // @ts-expect-error not an egresswatch error code
    expect(hasErrorCode(err, 'EW_ERR_CONFG')).toBe(false);
    const code: ErrorCode = new StoreError('x', undefined).code;
    // @ts-expect-error the comparison can never hold
    expect(code === 'EW_ERR_STORAGE').toBe(false);
  });
});
