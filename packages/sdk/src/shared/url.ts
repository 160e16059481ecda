/** An absolute URL from an attribute value, or undefined when there is none or it does not parse. */
export function parseUrl(raw: string | undefined): URL | undefined {
  if (!raw) return undefined;
  try {
    return new URL(raw);
  } catch {
    return undefined;
  }
}
