import type { FlowField, RouteFlow } from '../../../../common/register/route-flow.js';

/** A request field with its classes (lifetime counts and times do not matter to the register). */
export const sent = (field: string, ...pii: string[]): FlowField => ({ direction: 'request', field, types: ['string'], pii, calls: 1, first_seen: '2026-11-20T10:00:00Z', last_seen: '2026-11-23T10:00:00Z' });
export const received = (field: string, ...pii: string[]): FlowField => ({ ...sent(field, ...pii), direction: 'response' });

/** One (service, vendor, route) of the window. */
export function flow(service: string, vendor: string, route: string, calls: number, fields: FlowField[]): RouteFlow {
  return { service, vendor, route, methods: ['POST'], hosts: [`api.${vendor}.example`], calls, errors: 0, first_seen: '2026-11-20T10:00:00Z', last_seen: '2026-11-23T10:00:59Z', fields };
}

/** Three services, three vendors: a card processor in the register, an SMS vendor without DPA, a CRM nobody registered. */
export const FLOWS: RouteFlow[] = [
  flow('checkout', 'stripe', '/v1/charges', 12_000, [sent('amount'), sent('card.number', 'card'), sent('customer.email', 'email')]),
  flow('checkout', 'stripe', '/v1/refunds', 40, [sent('charge')]),
  flow('signup', 'twilio', '/Messages.json', 900, [sent('To', 'phone'), sent('Body'), received('sid')]),
  flow('signup', 'acme-crm', '/contacts', 300, [sent('contact.email', 'email'), sent('contact.name', 'person_name'), received('owner.email', 'email')]),
  flow('billing', 'acme-crm', '/contacts', 5, [sent('contact.email', 'email')]),
  flow('reports', 'openai', '/v1/chat/completions', 20, [sent('model')]),
];

export const REGISTER = {
  stripe: { allow_pii: ['card', 'email'], owner: 'payments-team', purpose: 'card payments', legal_basis: 'contract', dpa: 'signed', dpa_signed_on: '2025-01-15', region: 'EU', transfer_mechanism: 'not_needed', retention_days: 2555 },
  twilio: { allow_pii: ['phone'], owner: 'growth', legal_basis: 'legitimate_interests', dpa: 'missing', region: 'US', transfer_mechanism: 'sccs' },
};
