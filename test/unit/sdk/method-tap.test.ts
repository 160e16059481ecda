import { describe, expect, it } from 'vitest';
import { MethodTap } from '../../../packages/sdk/src/method-tap.js';

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
    const tap = new MethodTap<Sink, string>({ write: (label, _sink, chunk) => seen.push(`${label}:${String(chunk)}`) });
    const watched = new Sink();
    const other = new Sink();
    tap.watch(watched, 'a');
    expect([watched.write('x'), watched.write('y'), other.write('z')]).toEqual([true, false, true]);
    expect(watched.written).toEqual(['x', 'y']);
    expect(seen).toEqual(['a:x', 'a:y']);
    expect(Object.keys(watched)).toEqual(['written']);
  });

  it('passes every argument on, their count included (end(), end(cb) and end(chunk, enc, cb) differ)', () => {
    class Counter {
      end(...args: unknown[]): string {
        return `${args.length}:${args.map(String).join(',')}`;
      }
    }
    const seen: unknown[] = [];
    const tap = new MethodTap<Counter, true>({ end: (_w, _t, first, second) => seen.push(first, second) });
    const counter = new Counter();
    tap.watch(counter, true);
    expect([counter.end(), counter.end('a'), counter.end('a', 'utf8', 'cb', 'extra')]).toEqual(['0:', '1:a', '4:a,utf8,cb,extra']);
    expect(seen).toEqual([undefined, undefined, 'a', undefined, 'a', 'utf8']);
  });

  it('keeps the call going when the observer throws, and wraps an inherited method once', () => {
    let calls = 0;
    const tap = new MethodTap<Sink, true>({
      write: () => {
        calls++;
        throw new Error('observer fault');
      },
    });
    const base = new Sink();
    const loud = new LoudSink();
    tap.watch(base, true);
    tap.watch(loud, true);
    expect(loud.write('x')).toBe(true);
    expect(loud.written).toEqual(['x']);
    expect(calls).toBe(1);
  });

  it('reports several methods of one object from a single watch', () => {
    class Request {
      write(chunk: string): string {
        return chunk;
      }
      end(chunk?: string): string {
        return `end:${chunk}`;
      }
    }
    const seen: string[] = [];
    const tap = new MethodTap<Request, string>({
      write: (label, _request, chunk) => seen.push(`${label} write ${String(chunk)}`),
      end: (label, _request, chunk) => seen.push(`${label} end ${String(chunk)}`),
    });
    const request = new Request();
    tap.watch(request, 'r');
    expect([request.write('a'), request.end('b'), new Request().end('c')]).toEqual(['a', 'end:b', 'end:c']);
    expect(seen).toEqual(['r write a', 'r end b']);
  });

  it('sees a call once when an override calls super and both classes are tapped', () => {
    class Base {
      write(chunk: string): string {
        return `base:${chunk}`;
      }
    }
    class Sub extends Base {
      override write(chunk: string): string {
        return `sub:${super.write(chunk)}`;
      }
    }
    const seen: string[] = [];
    const tap = new MethodTap<Base, string>({ write: (label, _target, chunk) => seen.push(`${label}:${String(chunk)}`) });
    const base = new Base();
    const sub = new Sub();
    tap.watch(base, 'b');
    tap.watch(sub, 's');
    expect([sub.write('x'), base.write('y'), sub.write('z')]).toEqual(['sub:base:x', 'base:y', 'sub:base:z']);
    expect(seen).toEqual(['s:x', 'b:y', 's:z']);
  });

  it('lets an exception of the original through and still sees the next call', () => {
    class Flaky {
      write(chunk: string): string {
        if (chunk === 'bad') throw new Error('EPIPE');
        return chunk;
      }
    }
    const seen: string[] = [];
    const tap = new MethodTap<Flaky, true>({ write: (_w, _t, chunk) => seen.push(String(chunk)) });
    const flaky = new Flaky();
    tap.watch(flaky, true);
    expect(() => flaky.write('bad')).toThrow('EPIPE');
    expect(flaky.write('ok')).toBe('ok');
    expect(seen).toEqual(['bad', 'ok']);
  });
});
