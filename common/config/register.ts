import { z } from 'zod';
import { SENSITIVITY_TIERS } from '../pii-tiers.js';
import { closest } from '../text.js';

/**
 * The lawful bases of GDPR Art. 6(1) (a)–(f), as YAML writes them. A processor receiving personal
 * data needs one of them recorded: that is what an auditor asks first.
 */
export const LEGAL_BASES = ['consent', 'contract', 'legal_obligation', 'vital_interests', 'public_task', 'legitimate_interests'] as const;
export type LegalBasis = (typeof LEGAL_BASES)[number];

/**
 * Where the data processing agreement (GDPR Art. 28) stands: `signed` (give `dpa_signed_on`),
 * `missing` (known gap), `not_needed` (the vendor is not a processor of yours, e.g. an
 * independent controller, or receives no personal data).
 */
export const DPA_STATES = ['signed', 'missing', 'not_needed'] as const;
export type DpaState = (typeof DPA_STATES)[number];

/**
 * How data may leave its jurisdiction (GDPR Chapter V): `not_needed` (the vendor processes in the
 * same jurisdiction, e.g. EEA to EEA), `adequacy` (Art. 45 decision, e.g. the EU–US Data Privacy
 * Framework for a certified vendor), `sccs` (Art. 46 standard contractual clauses), `bcrs`
 * (Art. 47 binding corporate rules), `derogation` (Art. 49, occasional transfers only), `none`
 * (a transfer without a mechanism: a known gap).
 */
export const TRANSFER_MECHANISMS = ['not_needed', 'adequacy', 'sccs', 'bcrs', 'derogation', 'none'] as const;
export type TransferMechanism = (typeof TRANSFER_MECHANISMS)[number];

/** The register keys of a `vendors.<id>` entry, in the order exports list them. */
export const REGISTER_KEYS = ['owner', 'purpose', 'legal_basis', 'dpa', 'dpa_signed_on', 'region', 'transfer_mechanism', 'retention_days'] as const;

/** A closed set of words with a "did you mean" for a typo, like every other key of the config. */
function oneOf<const T extends readonly [string, ...string[]]>(values: T, what: string) {
  return z.enum(values, {
    error: (issue) => {
      const input = String(issue.input);
      const hint = closest(input, values);
      return `unknown ${what} '${input}'${hint ? ` — did you mean '${hint}'?` : ''} (one of: ${values.join(', ')})`;
    },
  });
}

/** A calendar day, `2025-03-31`; YAML 1.2 reads it as a string. */
const calendarDay = z.string().refine((v) => /^\d{4}-\d\d-\d\d$/.test(v) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), {
  error: (issue) => `'${String(issue.input)}' is not a date; write it as YYYY-MM-DD, e.g. 2025-03-31`,
});

/** Free text of the register (owner, purpose, region): one line, as it goes into CSV and Markdown cells. */
const registerText = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty (leave the key out instead)')
    .max(max, `at most ${max} characters`)
    .refine((v) => !/[\p{Cc}\p{Cf}]/u.test(v), { error: 'must be one line without control or format characters' });

/**
 * The register keys of `vendors.<id>`: what the records of processing (GDPR Art. 30) hold per
 * processor, next to what egresswatch observes on the wire. All optional; what is missing lowers
 * the integration's risk score (common/risk-score.ts), and a vendor that receives personal data
 * without `legal_basis` or without a DPA (`signed` or `not_needed`) fails `policy check` once the
 * configuration keeps a register (common/pii-policy.ts `registerGaps`).
 */
export const vendorRegisterFields = {
  /** Who answers for this integration (team or person), e.g. `payments-team`. */
  owner: registerText(200).optional(),
  /** Why the data goes there, e.g. `card payments and refunds`. */
  purpose: registerText(500).optional(),
  /** GDPR Art. 6 lawful basis. */
  legal_basis: oneOf(LEGAL_BASES, 'legal basis').optional(),
  /** Data processing agreement: signed, missing or not_needed. */
  dpa: oneOf(DPA_STATES, 'DPA state').optional(),
  /** When the DPA was signed (YYYY-MM-DD); only with `dpa: signed`. */
  dpa_signed_on: calendarDay.optional(),
  /** Where the vendor processes the data, as your register names it: `EU`, `US`, `eu-west-1`. */
  region: registerText(100).optional(),
  /** How data leaves its jurisdiction: not_needed, adequacy, sccs, bcrs, derogation, none. */
  transfer_mechanism: oneOf(TRANSFER_MECHANISMS, 'transfer mechanism').optional(),
  /** How long the vendor keeps the data, in days (0: not kept). */
  retention_days: z.number().int().min(0).max(36_500).optional(),
  /**
   * The highest tier this vendor may receive without listing each class in `allow_pii`:
   * `max_tier: personal` lets any personal class through, special-category classes still need
   * `allow_pii` (common/pii-policy.ts `isAllowed`). Default none: every personal or
   * special-category class needs `allow_pii`.
   */
  max_tier: oneOf(SENSITIVITY_TIERS, 'tier').optional(),
};

/** Cross-key checks of one vendor entry, one issue per problem (path relative to the entry). */
export function checkVendorRegister(entry: { dpa?: DpaState | undefined; dpa_signed_on?: string | undefined }, ctx: z.RefinementCtx, todayIso = new Date().toISOString().slice(0, 10)): void {
  if (entry.dpa_signed_on !== undefined && entry.dpa !== 'signed') {
    ctx.addIssue({ code: 'custom', path: ['dpa_signed_on'], message: `a signing date needs 'dpa: signed' (dpa is ${entry.dpa === undefined ? 'not set' : `'${entry.dpa}'`})` });
  }
  if (entry.dpa_signed_on !== undefined && entry.dpa_signed_on > todayIso) {
    ctx.addIssue({ code: 'custom', path: ['dpa_signed_on'], message: `${entry.dpa_signed_on} is in the future; a register records agreements already signed` });
  }
}
