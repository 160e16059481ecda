import { describe, expect, it } from 'vitest';
import { terminalJson, visible, visibleText } from '../../../common/display-text.js';

describe('visibleText', () => {
  it('writes C0, DEL, C1, bidi, zero-width, tag and separator characters as escapes', () => {
    expect(visibleText('a\x1b]0;pwned\x07\x1b[2Jb')).toBe('a\\x1b]0;pwned\\x07\\x1b[2Jb');
    expect(visibleText('\0\t\n\r\x7f\x9b\u00ad')).toBe('\\x00\\t\\n\\r\\x7f\\x9b\\xad');
    expect(visibleText('invoice\u202egpj.exe \u2066x\u2069 \u200bz\ufeff')).toBe('invoice\\u202egpj.exe \\u2066x\\u2069 \\u200bz\\ufeff');
    expect(visibleText('tag\u{e0041} line\u2028para\u2029 lone\ud800 private\ue000')).toBe('tag\\u{e0041} line\\u2028para\\u2029 lone\\ud800 private\\ue000');
  });

  it('leaves ordinary text, unicode names, emoji and backslashes alone, so it can be applied twice', () => {
    const names = 'POST /v1/customers/{id} zahlungs-dienst-ü 支付 😀 C:\\path "quoted" <b>&amp;';
    expect(visibleText(names)).toBe(names);
    const once = visibleText('\x1b[31m\u202e');
    expect(visibleText(once)).toBe(once);
  });
});

describe('visible template tag', () => {
  it('escapes substituted values and keeps its own text, line breaks included', () => {
    const vendor = 'stripe\n  POST /forged-row';
    expect(visible`${vendor}  ${3} calls\n  next`).toBe('stripe\\n  POST /forged-row  3 calls\n  next');
  });
});

describe('terminalJson', () => {
  it('is JSON.stringify with DEL, C1, bidi and format characters as \\u escapes: valid, and parses to the same value', () => {
    const value = { vendor: 'stripe\x1b[2J\x7f\x9b\u202e\u2066\u2028', tag: 'x\u{e0041}', lone: 'a\ud800', list: ['ok', 1] };
    const text = terminalJson(value);
    expect(JSON.parse(text)).toEqual(value);
    expect(text).not.toMatch(/(?!\n)[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u);
    expect(text).toContain('"stripe\\u001b[2J\\u007f\\u009b\\u202e\\u2066\\u2028"');
    expect(text).toContain('"x\\udb40\\udc41"');
    expect(terminalJson({ a: [1, 'b'] })).toBe(JSON.stringify({ a: [1, 'b'] }, null, 2));
  });
});
