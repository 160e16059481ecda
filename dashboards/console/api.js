// The JSON API, as the page calls it: the session cookie from the login link goes with
// same-origin calls (the page holds no token); state changes are POSTs with a JSON body, which
// the browser sends with this page's Origin, the one the API accepts.

const NOT_LOGGED_IN =
  'Not logged in (or egresswatch was restarted): open the one-time login link that `egresswatch start` printed, or run `egresswatch console-link` for a new one.';

/**
 * Calls `/api/…`; resolves with the parsed JSON, rejects with an Error whose message is the API's
 * (and `status` the HTTP status).
 * @param {string} path
 * @param {{ method?: string, body?: unknown }} options
 */
export async function api(path, options = {}) {
  const init = { method: options.method ?? 'GET', credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } };
  if (options.body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  const res = await fetch(path, init);
  if (res.status === 401) throw Object.assign(new Error(NOT_LOGGED_IN), { status: 401 });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw Object.assign(new Error(body.message ? String(body.message) : `${path}: HTTP ${res.status}`), { status: res.status });
  }
  return res.json();
}

/** Like api(), but an instance without the route (404) gives `fallback`. */
export async function optionalApi(path, fallback) {
  try {
    return await api(path);
  } catch (err) {
    if (err.status === 404) return fallback;
    throw err;
  }
}
