import { describe, expect, it } from 'vitest';
import { cleanRoute, routePath } from '../../../collector/span-text.js';

/*
 * Only the segments that can reach the stored route are templated (routePath): a 1 MB path of
 * `a://` cost 240 ms on the event loop before, 7-14 ms after. The route is the same; these tests
 * hold it to the rule the cut relies on (each segment adds at least `/`, so the 257th passes the
 * 256-character cap at the latest). They pass on the code before too: the change is in time only.
 */
describe('routes of very long paths', () => {
  it('keeps a path with at most 257 segments whole, and cuts query and fragment', () => {
    const path = `/${'a/'.repeat(256)}b`;
    expect(routePath(path)).toBe(path);
    expect(routePath(`${path}?x=/y/z#/f`)).toBe(path);
  });

  it('cuts after the 257th segment', () => {
    // 257 slashes: the empty segment before the first, and 257 empty segments after.
    expect(routePath('/'.repeat(1_000_000))).toBe('/'.repeat(257));
  });

  it('stores the same route for a 1 MB path as for its first 257 segments', () => {
    for (const unit of ['a:/', '/', 'cus_NffrFeUfNV2Hib/', '123/', `${'x'.repeat(70)}/`]) {
      const long = `/${unit.repeat(Math.ceil(1_000_000 / unit.length))}`;
      const short = `/${unit.repeat(300)}`;
      const route = cleanRoute(long);
      expect(route).toBe(cleanRoute(short));
      expect(route.endsWith('/{truncated}')).toBe(true);
      expect(route.length).toBeLessThanOrEqual(256 + '/{truncated}'.length);
    }
  });

  it('templates the kept segments as before', () => {
    expect(cleanRoute(`/v1/customers/cus_NffrFeUfNV2Hib/charges/42${'/x'.repeat(200_000)}`).startsWith('/v1/customers/{id}/charges/{id}/x/x')).toBe(true);
  });

  it('stores a segment of many colon-joined parts as templating did', () => {
    expect(cleanRoute(`/v1/${'a:'.repeat(32_000)}b/x`)).toBe('/v1/{id}/x');
    expect(cleanRoute(`/v1/${'a:'.repeat(100)}b@c;jsessionid=1/x`)).toBe('/v1/{id};{id}/x');
    expect(cleanRoute(`/v1/${'a:'.repeat(100)}b;x@y/x`)).toBe('/v1/{id}/x');
    expect(cleanRoute(`/v1/${'a:'.repeat(30)}b/x`)).toBe(`/v1/${'a:'.repeat(30)}b/x`);
  });
});
