import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BodyCapture } from '../../../packages/sdk/src/body-capture.js';
import { decodeBody } from '../../../packages/sdk/src/body-decode.js';

describe('BodyCapture', () => {
  it('counts every byte but keeps only the first limit bytes, as copies', () => {
    const capture = new BodyCapture(8, true);
    const chunk = Buffer.from('0123456');
    capture.observe(chunk);
    chunk.fill(0x78);
    capture.observe('héllo', 'utf8');
    expect(capture.size).toBe(13);
    expect(capture.bytes().toString('latin1')).toBe('0123456h');
    expect(capture.cut).toBe(true);
  });

  it('only counts when not keeping, and ignores what is not bytes', () => {
    const capture = new BodyCapture(8, false);
    capture.observe(new Uint8Array(100));
    capture.observe(null);
    capture.observe(() => 1);
    expect(capture.size).toBe(100);
    expect(capture.bytes().length).toBe(0);
  });
});

describe('decodeBody', () => {
  it('undoes gzip, and decodes a cut gzip prefix as far as it goes', () => {
    const text = JSON.stringify({ items: Array.from({ length: 2000 }, (_, i) => ({ id: i })) });
    const gz = gzipSync(text);
    expect(decodeBody(gz, 'gzip', 1 << 20)?.text).toBe(text);
    const prefix = decodeBody(gz.subarray(0, Math.floor(gz.length / 2)), 'gzip', 1 << 20);
    expect(text.startsWith(prefix?.text ?? 'x')).toBe(true);
    expect(prefix?.text.length).toBeGreaterThan(100);
  });

  it('bounds the output of a decompression bomb', () => {
    const bomb = gzipSync(Buffer.alloc(50 << 20, 0x20));
    const out = decodeBody(bomb, 'gzip', 64 * 1024);
    expect(out?.text.length ?? 0).toBeLessThanOrEqual(64 * 1024);
  });

  it('gives up on unknown encodings and garbage', () => {
    expect(decodeBody(Buffer.from('x'), 'zstd', 100)).toBeUndefined();
    expect(decodeBody(Buffer.from('not gzip'), 'gzip', 100)).toBeUndefined();
  });
});

describe('BodyCapture text', () => {
  it('gives back string chunks as written, and cuts them at the limit in bytes', () => {
    const whole = new BodyCapture(64, true);
    whole.observe('{"a":"é",');
    whole.observe('"b":1}', 'utf8');
    expect(whole.text(undefined, 64)).toEqual({ text: '{"a":"é","b":1}', cut: false });
    const cut = new BodyCapture(11, true);
    cut.observe('{"a":"é",');
    cut.observe('"b":1}');
    expect(cut.cut).toBe(true);
    expect(cut.text(undefined, 64)?.text).toBe('{"a":"é","');
    expect(cut.size).toBe(16);
  });
});
