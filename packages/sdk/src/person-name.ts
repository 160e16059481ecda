import { normaliseFieldName, type KeyInfo } from './pii-classifier.js';

/**
 * A bare `name` is a person's name only by where it sits: `customer.name`, `billing_details.name`
 * (Stripe), `recipients[].name` are people; `product.name`, `plan.name`, `event.name`,
 * `file.name`, `company.name` and a top-level `name` are not. The field name alone cannot tell,
 * so the nearest named parent on the path decides. Unambiguous names (`first_name`, `full_name`,
 * `surname`…) are hinted by name alone in pii-classifier.ts, wherever they sit.
 */
export function personNameInfo(path: string, info: KeyInfo): KeyInfo {
  if (info.hint !== undefined || !AMBIGUOUS_NAMES.has(info.normalised)) return info;
  return namesAPerson(path) ? { normalised: info.normalised, hint: PERSON_NAME } : info;
}

const PERSON_NAME = ['person_name', 0.6] as const;

// Normalised (lowercase, alphanumerics only), like the name hints.
const AMBIGUOUS_NAMES: ReadonlySet<string> = new Set(['name', 'displayname']);

/**
 * Parents that name a person, normalised; a plural (`customers[]`) counts too. Left out on
 * purpose, because their `name` is as often an organisation or a thing: account, client,
 * merchant, company, organization, business, from/to (an email sender or a route), address.
 */
const PERSON_PARENTS: ReadonlySet<string> = new Set([
  'customer', 'customerdetails', 'user', 'person', 'individual', 'profile',
  'billing', 'billingdetails', 'billingaddress', 'billingcontact',
  'shipping', 'shippingdetails', 'shippingaddress',
  'recipient', 'contact', 'owner', 'holder', 'accountholder', 'cardholder', 'patient', 'employee', 'member',
  'sender', 'payer', 'payee', 'beneficiary', 'buyer', 'guest', 'passenger', 'traveler', 'traveller',
  'applicant', 'student', 'driver', 'author', 'assignee', 'signer', 'attendee', 'participant', 'guardian',
  'spouse', 'dependent', 'emergencycontact', 'nextofkin',
]);

/** Words that name a person at the end of a longer parent too: `end_customer`, `primary_contact`. */
const PERSON_SUFFIXES: ReadonlyArray<string> = ['customer', 'user', 'contact', 'owner', 'recipient', 'cardholder', 'accountholder', 'patient', 'employee', 'beneficiary'];

function namesAPerson(path: string): boolean {
  const segments = path.split('.');
  // The last segment is the field itself; `{key}` (a map keyed by ids) and `[]` are skipped to
  // the named parent above them: `users.{key}.name`, `customers[].name`.
  for (let i = segments.length - 2; i >= 0; i--) {
    const segment = (segments[i] ?? '').replace(/(\[\])+$/, '');
    if (segment === '' || segment === '{key}') continue;
    return isPersonParent(normaliseFieldName(segment));
  }
  return false;
}

function isPersonParent(parent: string): boolean {
  if (PERSON_PARENTS.has(parent)) return true;
  if (parent.endsWith('s') && PERSON_PARENTS.has(parent.slice(0, -1))) return true;
  const singular = parent.endsWith('s') ? parent.slice(0, -1) : parent;
  return PERSON_SUFFIXES.some((word) => singular.length > word.length && singular.endsWith(word));
}
