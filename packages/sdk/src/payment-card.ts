import { luhnValid } from './shared/luhn.js';

/**
 * Issuer ranges (IIN, the leading digits) and the lengths each issuer uses, from the networks'
 * published ranges. Luhn alone passes one random digit string in ten, and ids, epoch
 * milliseconds and snowflakes are digit strings of card length: a number is a card only where
 * an issuer issues that length under that prefix. No issuer uses a leading 1 except UATP at 15
 * digits, so a 13-digit `1…` (epoch milliseconds) is never a card.
 */
type IinRange = readonly [from: number, to: number, lengths: readonly number[]];

const L16_19 = [16, 17, 18, 19] as const;
const L14_19 = [14, 15, 16, 17, 18, 19] as const;
const L13_19 = [13, 14, 15, 16, 17, 18, 19] as const;

// Ranges are compared on as many leading digits as `from` has; lists are grouped by that width.
const IIN_RANGES: ReadonlyArray<IinRange> = [
  [1, 1, [15]], // UATP
  [4, 4, [13, 16, 19]], // Visa
  [34, 34, [15]], [37, 37, [15]], // American Express
  [36, 36, L14_19], [38, 39, L14_19], // Diners Club
  [51, 55, [16]], // Mastercard
  [50, 50, L13_19], [56, 58, L13_19], [67, 67, L13_19], // Maestro
  [60, 60, L16_19], [65, 65, L16_19], // Discover, RuPay, Troy
  [62, 62, L16_19], [81, 81, L16_19], // UnionPay
  [82, 82, [16]], // RuPay
  [300, 305, L14_19], // Diners Club Carte Blanche
  [644, 649, L16_19], // Discover
  [636, 639, L16_19], // InterPayment, InstaPayment
  [2200, 2204, L16_19], // Mir
  [2221, 2720, [16]], // Mastercard 2-series
  [3095, 3095, L14_19], // Diners Club
  [3528, 3589, L16_19], // JCB
  [6011, 6011, L16_19], // Discover
  [6304, 6304, L16_19], // Maestro (Laser)
  [9792, 9792, [16]], // Troy
];

/** True when an issuer issues cards of `digits.length` under its prefix. */
export function issuerIssues(digits: string): boolean {
  for (const [from, to, lengths] of IIN_RANGES) {
    if (!lengths.includes(digits.length)) continue;
    const width = from < 10 ? 1 : from < 100 ? 2 : from < 1000 ? 3 : 4;
    const prefix = Number(digits.slice(0, width));
    if (prefix >= from && prefix <= to) return true;
  }
  return false;
}

const DIGITS_ONLY = /^\d+$/;
// Groups as printed (`4242 4242 4242 4242`, `3782-822463-10005`): one separator kind, no doubles.
const GROUPED = /^\d+(?:([ -])\d+(?:\1\d+)*)?$/;

/** Payment card: 13–19 digits (spaces or dashes between groups), an issuer range of that length, Luhn-valid. */
export function detectCard(value: string): number {
  if (value.length < 13 || value.length > 23) return 0;
  let digits = value;
  if (!DIGITS_ONLY.test(value)) {
    if (!GROUPED.test(value)) return 0;
    digits = value.replace(/[ -]/g, '');
  }
  if (digits.length < 13 || digits.length > 19) return 0;
  if (/^(\d)\1+$/.test(digits)) return 0;
  return issuerIssues(digits) && luhnValid(digits) ? 0.95 : 0;
}
