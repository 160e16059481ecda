/**
 * Checks one host pattern as vendor lists and `ignoreHosts` take it: `host`, `*.suffix`, either
 * with `:port`. A pattern that is not one (a URL, a path, a stray space) would match no call and
 * change nothing, silently; the caller turns the problem into a ConfigError naming the entry.
 */
export function hostPatternProblem(pattern: string): string | undefined {
  if (pattern === '') return 'is empty';
  if (pattern.includes('://')) return 'is a URL; give the host only (like api.example.com or api.example.com:8443)';
  if (/[/?#@\s]/.test(pattern)) return 'holds a path, query, user or space; give the host only (like api.example.com)';
  const colon = pattern.lastIndexOf(':');
  const host = colon === -1 ? pattern : pattern.slice(0, colon);
  if (colon !== -1) {
    const port = pattern.slice(colon + 1);
    if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) return `has port '${port}'; a port is a number from 1 to 65535`;
  }
  const name = host.startsWith('*.') ? host.slice(2) : host;
  if (!HOST_NAME.test(name)) return "is not a host name (letters, digits, '-' and '.', optionally starting with '*.')";
  return undefined;
}

// DNS labels (also covers IPv4 literals), no empty label; bracketed IPv6 is not supported.
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;
