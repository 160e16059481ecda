import { describe, expect, it } from 'vitest';
import { redactAttributes } from '../../../collector/redact.js';

/*
 * An array attribute's elements are judged while they start inside the 256 characters stored:
 * judging every element let one array of 1,000 values of 500 letters (510 KB) hold the event loop
 * 0.86 s, and a 1 MiB body can carry thousands. What lies past is never stored, so an element
 * there no longer drops the whole value. The URL-userinfo and JWT checks read a value once (the
 * patterns before rescanned runs, 0.34-0.38 ms a 512-character value); they find what they found.
 */
const redact = (key: string, value: string | string[]): string | undefined => redactAttributes(new Map([[key, value]]), new Map())[key];

describe('redacting array attribute values judges what could be stored', () => {
  it('stores the first 256 characters of an array whose email lies past them', () => {
    const list = [...Array.from({ length: 40 }, (_, i) => `item-${String(i).padStart(3, '0')}`), 'bob@example.com'];
    expect(redact('app.tags', list)).toBe(list.join(',').slice(0, 256));
  });

  it('stores the first 256 characters of a 4,000-element array whose last element is a JWT', () => {
    const list = [...Array.from({ length: 4_000 }, () => 'a'.repeat(500)), 'eyJhbGciOi.eyJzdWIiOi.sig'];
    expect(redact('app.tags', list)).toBe('a'.repeat(256));
  });

  it('still drops an array with an email inside what is stored', () => {
    expect(redact('app.tags', ['a', 'b', 'bob@example.com', ...Array.from({ length: 100 }, () => 'x'.repeat(20))])).toBeUndefined();
  });

  it('still drops an array whose element starts inside what is stored and hides a secret past it', () => {
    expect(redact('app.tags', ['x'.repeat(250), `${'y'.repeat(100)} password=hunter2`])).toBeUndefined();
  });
});

describe('URL userinfo and JWTs are found as before', () => {
  it.each([
    ['amqp://guest:pw@rabbit/vhost', undefined],
    ['see redis://:pw@cache:6379', undefined],
    ['HTTPS://user@Example.com', undefined],
    ['3a+b.c-d://u:p@h', undefined],
    ['://u:p@h', '://u:p@h'],
    ['1+.://u:p@h', '1+.://u:p@h'],
    ['https://example.com/a@b', 'https://example.com/a@b'],
    ['token eyJhbGciOi.eyJzdWIiOi.sig', undefined],
    ['xeyJeyJhbGci.abcde.', undefined],
    ['eyJabcd.eyJzdWIiOi.sig', 'eyJabcd.eyJzdWIiOi.sig'],
    ['eyJabcde.abcd.x', 'eyJabcde.abcd.x'],
  ])('%s → %s', (value, stored) => {
    expect(redact('app.note', value)).toBe(stored);
  });
});
