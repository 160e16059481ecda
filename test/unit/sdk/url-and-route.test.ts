import { describe, expect, it } from 'vitest';
import { templatePath } from '@egresswatch/sdk/shared/route-template';
import { redactUrl } from '../../../packages/sdk/src/url-redact.js';

describe('templatePath', () => {
  it('replaces ids, uuids, numbers and long tokens with {id}', () => {
    expect(templatePath('/v1/customers/cus_NffrFeUfNV2Hib/charges/42')).toBe('/v1/customers/{id}/charges/{id}');
    expect(templatePath('/orders/3f2b8c1e-9d4a-4c6b-8e2f-1a2b3c4d5e6f')).toBe('/orders/{id}');
    expect(templatePath('/blobs/9f86d081884c7d659a2feaa0c55ad015')).toBe('/blobs/{id}');
    expect(templatePath('/users/bob@example.com/profile')).toBe('/users/{id}/profile');
    expect(templatePath('/users/bob%40example.com')).toBe('/users/{id}');
  });

  it('keeps words, versions, API dates and file extensions', () => {
    expect(templatePath('/2010-04-01/Accounts/AC1f0e2d3c4b5a69788796a5b4c3d2e1f0/Messages.json')).toBe('/2010-04-01/Accounts/{id}/Messages.json');
    expect(templatePath('/v2/payment_intents')).toBe('/v2/payment_intents');
    expect(templatePath('/api/oauth2/token?grant=x')).toBe('/api/oauth2/token');
    expect(templatePath('')).toBe('/');
  });
});

describe('values hidden in paths and query keys', () => {
  it('templates secrets whatever their spelling', () => {
    const cases: Array<[string, string]> = [
      ['/x;jsessionid=CANARY123secret/y', '/x;{id}/y'],
      ['/reset/Q0FOQVJZMTIzc2VjcmU=', '/reset/{id}'],
      ['/t/eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2lnbmF0dXJlc2lnbmF0dXJl', '/t/{id}'],
      ['/p/4111-1111-1111-1111', '/p/{id}'],
      ['/p/4111%201111%201111%201111', '/p/{id}'],
      ['/p/123-45-6789', '/p/{id}'],
      ['/users/leak%2540canary.example', '/users/{id}'],
      ['/users/leak\uFF20canary.example', '/users/{id}'],
      ['/services/TABCDEFGH/BABCDEFGH/abcdefghijklmnopqrstuvwx', '/services/TABCDEFGH/BABCDEFGH/{id}'],
      ['/p/secret%2FCANARY%3Dtoken', '/p/{id}'],
      ['/p/John%20Smith', '/p/{id}'],
      ['/%3Ftoken=CANARY123secret', '/{id}'],
    ];
    for (const [path, template] of cases) expect(templatePath(path), path).toBe(template);
    // Names, dates and versions stay.
    expect(templatePath('/2010-04-01/Accounts/{id}/Messages.json')).toBe('/2010-04-01/Accounts/{id}/Messages.json');
    expect(templatePath('/v1/payment_intents/search')).toBe('/v1/payment_intents/search');
  });

  it('turns query keys that are values into {key}', () => {
    expect(redactUrl('https://api.example.com/x?4111111111111111&CANARY123secret=1&eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln&a[41111111]=2')).toBe(
      'https://api.example.com/x?%7Bkey%7D=REDACTED&%7Bkey%7D=REDACTED&%7Bkey%7D=REDACTED&%7Bkey%7D=REDACTED',
    );
    expect(redactUrl('https://api.example.com/x?utm_source=a&page[size]=2&X-Amz-Date=3&expand[]=4')).toBe(
      'https://api.example.com/x?utm_source=REDACTED&page%5Bsize%5D=REDACTED&X-Amz-Date=REDACTED&expand%5B%5D=REDACTED',
    );
  });

  it('keeps no userinfo or path secret of a URL that does not parse', () => {
    expect(redactUrl('https://user:CANARY@123secret@host.example:99999/tok/CANARY123secret?q=1')).toBe('https://host.example:99999/tok/{id}');
    expect(redactUrl('https://user:pa/ss@host.example/')).toBe('https://{host}/{id}/');
  });
});

describe('redactUrl', () => {
  it('strips userinfo, query values and fragments', () => {
    expect(redactUrl('https://user:pa55@api.example.com/v1/things?api_key=sk_live_abc&limit=10#frag')).toBe(
      'https://api.example.com/v1/things?api_key=REDACTED&limit=REDACTED',
    );
  });

  it('removes secrets and ids from the path', () => {
    const slack = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX1234';
    expect(redactUrl(slack)).toBe('https://hooks.slack.com/services/{id}/{id}/{id}');
  });

  it('keeps the port and copes with something that is not a URL', () => {
    expect(redactUrl('http://127.0.0.1:8080/a?b=c')).toBe('http://127.0.0.1:8080/a?b=REDACTED');
    expect(redactUrl('//user:pw@host/x?token=abc')).toBe('//host/x');
  });
});
