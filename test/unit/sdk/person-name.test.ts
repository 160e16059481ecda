import { describe, expect, it } from 'vitest';
import { extractShape, type ShapeLimits } from '../../../packages/sdk/src/body-shape.js';
import type { ClassifierOptions } from '../../../packages/sdk/src/pii-classifier.js';
import { SchemaTree } from '../../../packages/sdk/src/schema-tree.js';

const limits: ShapeLimits = { maxFields: 256, maxDepth: 16 };
const classifier: ClassifierOptions = { minConfidence: 0.5, custom: [] };
const piiOf = (body: unknown): string[] => extractShape(JSON.stringify(body), 'json', false, limits, classifier)?.pii ?? [];

// Every case holds the same plain value: only where the field sits may decide.
const NAME = 'Alice Smith';

describe('person_name from the field name and its parents', () => {
  it.each([
    ['customer.name', { customer: { name: NAME } }],
    ['billing_details.name', { billing_details: { name: NAME, email: null } }],
    ['shipping.name', { shipping: { name: NAME, address: { city: 'Leeds' } } }],
    ['data.customer.name', { data: { customer: { name: NAME } } }],
    ['recipients[].name', { recipients: [{ name: NAME }] }],
    ['users.{key}.name', { users: { '4815162342': { name: NAME } } }],
    ['primary_contact.name', { primary_contact: { name: NAME } }],
    ['cardholder.name', { cardholder: { name: NAME } }],
    ['account_holder.name', { account_holder: { name: NAME } }],
    ['patient.name', { patient: { name: NAME } }],
    ['employee.name', { employee: { name: NAME } }],
    ['sender.name', { sender: { name: NAME } }],
    ['payer.name', { payer: { name: NAME } }],
    ['members[].display_name', { members: [{ display_name: NAME }] }],
    ['BillingDetails.Name', { BillingDetails: { Name: NAME } }],
    ['first_name', { first_name: 'Alice' }],
    ['last_name', { last_name: 'Smith' }],
    ['full_name', { full_name: NAME }],
    ['given_name', { given_name: 'Alice' }],
    ['family_name', { family_name: 'Smith' }],
    ['surname', { surname: 'Smith' }],
    ['order.first_name', { order: { first_name: 'Alice' } }],
  ])('%s is person_name', (path, body) => {
    expect(piiOf(body)).toContain(`${path}:person_name`);
  });

  it.each([
    ['name (top level)', { name: NAME }],
    ['product.name', { product: { name: NAME } }],
    ['plan.name', { plan: { name: NAME } }],
    ['event.name', { event: { name: NAME } }],
    ['file.name', { file: { name: NAME } }],
    ['company.name', { company: { name: NAME } }],
    ['account.name', { account: { name: NAME } }],
    ['merchant.name', { merchant: { name: NAME } }],
    ['organization.name', { organization: { name: NAME } }],
    ['items[].name', { items: [{ name: NAME }] }],
    ['tags[].name', { tags: [{ name: NAME }] }],
    ['customer.company.name', { customer: { company: { name: NAME } } }],
    ['customer.plan.name', { customer: { plan: { name: NAME } } }],
    ['placeholder.name', { placeholder: { name: NAME } }],
    ['user.username', { user: { username: 'alice' } }],
    ['customer.name (empty)', { customer: { name: '' } }],
  ])('%s is not', (_, body) => {
    expect(piiOf(body).filter((p) => p.endsWith(':person_name'))).toEqual([]);
  });

  it('reads a form body the same way (Stripe billing_details[name])', () => {
    const form = 'billing_details[name]=Alice+Smith&product[name]=Widget&amount=1999';
    expect(extractShape(form, 'form', false, limits, classifier)?.pii).toEqual(['billing_details.name:person_name']);
  });

  it('keeps the verdict of each path when one body repeats through a kept tree', () => {
    const body = JSON.stringify({ customer: { name: NAME }, product: { name: 'Widget' } });
    const tree = new SchemaTree(limits, classifier);
    for (let i = 0; i < 3; i++) expect(extractShape(body, 'json', false, limits, classifier, tree)?.pii).toEqual(['customer.name:person_name']);
  });
});
