/**
 * The wire contract between the SDK and the egresswatch collector: the span attributes the SDK
 * adds and the values they carry (`path:type`, `path:class`). The SDK owns it and the server
 * imports it (`@egresswatch/sdk/shared/wire-contract`), so one list decides what a service sends
 * and what the collector accepts. Nothing here does I/O.
 */

/** Attribute names egresswatch adds to CLIENT spans. */
export const EGRESS_ATTR = {
  vendor: 'egress.vendor',
  requestFields: 'egress.request.fields',
  requestPii: 'egress.request.pii',
  requestTruncated: 'egress.request.truncated',
  responseFields: 'egress.response.fields',
  responsePii: 'egress.response.pii',
  responseTruncated: 'egress.response.truncated',
  shapeHash: 'egress.request.shape_hash',
} as const;

/** JSON types a field can carry on the wire (`path:type`). */
export const FIELD_TYPES = ['string', 'number', 'boolean', 'null', 'object', 'array'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

/** PII classes, lowercase, as they appear in `egress.*.pii` (`path:class`). */
export const PII_CLASSES = [
  'email',
  'phone',
  'card',
  'iban',
  'ssn',
  'ip_address',
  'jwt',
  'api_key',
  'bearer_token',
  'password',
  'person_name',
  'street_address',
  'date_of_birth',
  'geo_location',
] as const;
export type PiiClass = (typeof PII_CLASSES)[number];

export function isPiiClass(value: string): value is PiiClass {
  return (PII_CLASSES as readonly string[]).includes(value);
}
