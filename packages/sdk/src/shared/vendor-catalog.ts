/**
 * Known third-party API vendors and their host patterns. Pure and small: the SDK names the
 * vendor on the span when it can, and the collector falls back to the same catalog before the
 * registrable domain. A pattern is an exact host (`api.stripe.com`) or a wildcard (`*.stripe.com`,
 * which matches any subdomain but not `stripe.com` itself), optionally with `:port`.
 */
export interface VendorPattern {
  vendor: string;
  hosts: string[];
}

export const VENDOR_CATALOG: ReadonlyArray<VendorPattern> = [
  { vendor: 'stripe', hosts: ['stripe.com', '*.stripe.com'] },
  { vendor: 'twilio', hosts: ['twilio.com', '*.twilio.com'] },
  { vendor: 'sendgrid', hosts: ['sendgrid.com', '*.sendgrid.com', '*.sendgrid.net'] },
  { vendor: 'openai', hosts: ['api.openai.com', '*.openai.com', '*.openai.azure.com'] },
  { vendor: 'anthropic', hosts: ['api.anthropic.com', '*.anthropic.com'] },
  { vendor: 'salesforce', hosts: ['*.salesforce.com', '*.force.com', '*.my.salesforce.com'] },
  { vendor: 'slack', hosts: ['slack.com', '*.slack.com'] },
  { vendor: 'github', hosts: ['api.github.com', 'github.com', '*.github.com', '*.githubusercontent.com'] },
  { vendor: 'google', hosts: ['*.googleapis.com', 'www.google-analytics.com', '*.google-analytics.com'] },
  { vendor: 'aws', hosts: ['*.amazonaws.com', '*.aws.amazon.com'] },
  { vendor: 'azure', hosts: ['*.azure.com', '*.windows.net', '*.microsoft.com'] },
  { vendor: 'segment', hosts: ['api.segment.io', '*.segment.io', '*.segment.com'] },
  { vendor: 'mixpanel', hosts: ['api.mixpanel.com', '*.mixpanel.com'] },
  { vendor: 'amplitude', hosts: ['*.amplitude.com'] },
  { vendor: 'datadog', hosts: ['*.datadoghq.com', '*.datadoghq.eu', '*.ddog-gov.com'] },
  { vendor: 'sentry', hosts: ['sentry.io', '*.sentry.io', '*.ingest.sentry.io'] },
  { vendor: 'newrelic', hosts: ['*.newrelic.com', '*.nr-data.net'] },
  { vendor: 'hubspot', hosts: ['api.hubapi.com', '*.hubapi.com', '*.hubspot.com'] },
  { vendor: 'zendesk', hosts: ['*.zendesk.com'] },
  { vendor: 'intercom', hosts: ['api.intercom.io', '*.intercom.io', '*.intercom.com'] },
  { vendor: 'shopify', hosts: ['*.myshopify.com', '*.shopify.com'] },
  { vendor: 'paypal', hosts: ['*.paypal.com', '*.braintreegateway.com'] },
  { vendor: 'plaid', hosts: ['*.plaid.com'] },
  { vendor: 'adyen', hosts: ['*.adyen.com', '*.adyenpayments.com'] },
  { vendor: 'square', hosts: ['*.squareup.com', '*.squareupsandbox.com'] },
  { vendor: 'mailgun', hosts: ['api.mailgun.net', '*.mailgun.net', 'api.eu.mailgun.net'] },
  { vendor: 'mailchimp', hosts: ['*.api.mailchimp.com', '*.mandrillapp.com'] },
  { vendor: 'postmark', hosts: ['api.postmarkapp.com', '*.postmarkapp.com'] },
  { vendor: 'auth0', hosts: ['*.auth0.com'] },
  { vendor: 'okta', hosts: ['*.okta.com', '*.oktapreview.com'] },
  { vendor: 'cloudflare', hosts: ['api.cloudflare.com', '*.cloudflare.com'] },
  { vendor: 'pagerduty', hosts: ['*.pagerduty.com'] },
  { vendor: 'atlassian', hosts: ['*.atlassian.net', '*.atlassian.com'] },
  { vendor: 'algolia', hosts: ['*.algolia.net', '*.algolianet.com'] },
  { vendor: 'twitch', hosts: ['api.twitch.tv'] },
  { vendor: 'docusign', hosts: ['*.docusign.net', '*.docusign.com'] },
  { vendor: 'mapbox', hosts: ['api.mapbox.com'] },
  { vendor: 'cohere', hosts: ['api.cohere.ai', 'api.cohere.com'] },
  { vendor: 'mistral', hosts: ['api.mistral.ai'] },
];

/**
 * The vendor whose pattern matches `host` (and `port` when a pattern carries one), first match
 * in list order, or undefined. Case-insensitive; a trailing dot on the host is ignored.
 */
export function matchVendor(
  host: string,
  patterns: ReadonlyArray<VendorPattern> = VENDOR_CATALOG,
  port?: number | string,
): string | undefined {
  const name = host.toLowerCase().replace(/\.$/, '');
  const portText = port === undefined || port === '' ? undefined : String(port);
  for (const { vendor, hosts } of patterns) {
    for (const raw of hosts) {
      if (hostMatches(raw.toLowerCase(), name, portText)) return vendor;
    }
  }
  return undefined;
}

function hostMatches(pattern: string, host: string, port: string | undefined): boolean {
  let hostPattern = pattern;
  const colon = pattern.lastIndexOf(':');
  if (colon !== -1) {
    if (port === undefined || pattern.slice(colon + 1) !== port) return false;
    hostPattern = pattern.slice(0, colon);
  }
  if (hostPattern.startsWith('*.')) {
    const suffix = hostPattern.slice(1);
    return host.length > suffix.length && host.endsWith(suffix);
  }
  return host === hostPattern;
}
