import { describe, expect, it } from 'vitest';
import { MethodTap } from '../../../sdk/method-tap.js';

class Sink {
  written: string[] = [];
  write(chunk: string): boolean {
    this.written.push(chunk);
    return this.written.length < 2;
  }
}
class LoudSink extends Sink {}

describe('MethodTap', () => {
  it('sees the calls of watched objects only, and changes nothing about the call', () => {
    const seen: string[] = [];
    const tap = new MethodTap<Sink, string>('write', (label, _sink, args) => seen.push(`${label}:${String(args[0])}`));
    const watched = new Sink();
    const other = new Sink();
    tap.watch(watched, 'a');
    expect([watched.write('x'), watched.write('y'), other.write('z')]).toEqual([true, false, true]);
    expect(watched.written).toEqual(['x', 'y']);
    expect(seen).toEqual(['a:x', 'a:y']);
    expect(Object.keys(watched)).toEqual(['written']);
  });

  it('keeps the call going when the observer throws, and wraps an inherited method once', () => {
    let calls = 0;
    const tap = new MethodTap<Sink, true>('write', () => {
      calls++;
      throw new Error('observer fault');
    });
    const base = new Sink();
    const loud = new LoudSink();
    tap.watch(base, true);
    tap.watch(loud, true);
    expect(loud.write('x')).toBe(true);
    expect(loud.written).toEqual(['x']);
    expect(calls).toBe(1);
  });
});
