import { describe, expect, it } from 'vitest';
import { redactAttributes } from '../../../collector/redact.js';

/*
 * Only the first 512 characters of an attribute value are judged (twice the 256 stored): the
 * unanchored patterns cost the square of what they read, and one 64 KB value held the event loop
 * ~20 s on the code before. What lies past them is never stored, so it need not be judged.
 */
describe('redacting a long attribute value judges what could be stored, not the whole value', () => {
  it('stores the first 256 characters of a 64 KB value whose email lies past what is judged', () => {
    const value = `${'x'.repeat(600)} bob@example.com ${'y'.repeat(64 * 1024)}`;
    const out = redactAttributes(new Map([['app.note', value]]), new Map());
    expect(out['app.note']).toBe('x'.repeat(256));
  });

  it('still drops a value with an email inside what is stored', () => {
    const out = redactAttributes(new Map([['app.note', `${'x'.repeat(200)} bob@example.com ${'y'.repeat(64 * 1024)}`]]), new Map());
    expect(out['app.note']).toBeUndefined();
  });

  it('still drops a value whose secret starts inside what is stored and runs past it', () => {
    const out = redactAttributes(new Map([['app.note', `${'x'.repeat(250)} password=${'z'.repeat(64 * 1024)}`]]), new Map());
    expect(out['app.note']).toBeUndefined();
  });
});
