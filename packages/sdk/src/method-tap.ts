/** Sees one call of a tapped method: the watch, the object, and the call's first two arguments. */
export type TapObserver<Target, Watch> = (watch: Watch, target: Target, first: unknown, second: unknown) => void;

/**
 * Calls of some methods, observed for the objects registered with {@link MethodTap.watch}. Each
 * method is wrapped once, on the prototype of the first object watched, not on each object:
 * an own `write` or `onData` on every request object would give request objects a hidden class
 * the HTTP client's optimised code was not built for, and would cost closures per call. One
 * registration covers all the tap's methods (one WeakMap entry per object, not one per method).
 *
 * The original runs exactly as before: same `this`, arguments and return value, exceptions
 * untouched. The observer runs first, with the call's first two arguments (all that chunk and
 * request methods need), and only for watched objects; whatever it throws is swallowed. Tapped
 * calls an object makes on itself while one is running (a subclass's override calling `super`)
 * are not observed again.
 * Everything else (calls the SDK does not instrument, calls after shutdown) just pays a WeakMap
 * lookup.
 */
export class MethodTap<Target extends object, Watch> {
  private readonly watched = new WeakMap<Target, Watch>();
  /** Prototypes looked at, wrapped or not. */
  private readonly seen = new WeakSet<object>();
  private readonly wrappers = new WeakSet<object>();
  private readonly observers: ReadonlyArray<readonly [method: string, observe: TapObserver<Target, Watch>]>;
  /** The object whose tapped call is running: its nested tapped calls are not seen again. */
  private readonly running: { target: Target | undefined } = { target: undefined };

  /** @param observers method name → what to do with each of its calls. */
  constructor(observers: Record<string, TapObserver<Target, Watch>>) {
    this.observers = Object.entries(observers);
  }

  /** Reports `target`'s calls of the methods to their observers with `watch`, until `target` is collected. */
  watch(target: Target, watch: Watch): void {
    const proto: unknown = Object.getPrototypeOf(target);
    if (typeof proto === 'object' && proto !== null && !this.seen.has(proto)) {
      this.seen.add(proto);
      for (const [method, observe] of this.observers) this.wrap(proto, method, observe);
    }
    this.watched.set(target, watch);
  }

  private wrap(proto: object, name: string, observe: TapObserver<Target, Watch>): void {
    const method: unknown = (proto as Record<string, unknown>)[name];
    // A subclass inheriting the wrapper must not wrap it again: its calls would be seen twice.
    if (typeof method !== 'function' || this.wrappers.has(method)) return;
    const original = method as (this: Target, ...args: unknown[]) => unknown;
    const { watched, running } = this;
    // These wrappers run for every chunk and request of the process, watched or not: no closure
    // and no rest array per call. `apply` with `arguments` passes the call on as it came
    // (argument count included) without building an array.
    function tapped(this: Target, first?: unknown, second?: unknown): unknown {
      const watch = watched.get(this);
      // An override calling `super.write`, or `end` calling `this.write`, is one call of the object's.
      // eslint-disable-next-line prefer-rest-params
      if (watch === undefined || running.target === this) return original.apply(this, arguments as unknown as unknown[]);
      try {
        observe(watch, this, first, second);
      } catch {
        // Deliberately silent, as in `safely`: SDK trouble must never reach the call.
      }
      const outer = running.target;
      running.target = this;
      try {
        // eslint-disable-next-line prefer-rest-params
        return original.apply(this, arguments as unknown as unknown[]);
      } finally {
        running.target = outer;
      }
    }
    this.wrappers.add(tapped);
    // Like the class method it replaces: not enumerable.
    Object.defineProperty(proto, name, { value: tapped, writable: true, configurable: true, enumerable: false });
  }
}
