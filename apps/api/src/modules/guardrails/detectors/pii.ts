import { type Finding, findAll } from './finding.js';

/**
 * Personal data in free text: e-mail addresses, phone numbers, payment cards, IBANs and US social
 * security numbers. Each pattern is followed by the check that keeps its false positives low:
 * cards must pass Luhn and carry a known network prefix, IBANs their mod-97 checksum and the
 * country's length, SSNs exclude the ranges the SSA never issues, phone numbers need an explicit
 * international prefix or the North American layout (bare digit runs — order numbers, dates,
 * versions — are not phones).
 */
export function detectPii(text: string): Finding[] {
  return [
    ...findAll(text, EMAIL, 'email'),
    ...findAll(text, CARD, 'payment_card', (m) => isPaymentCard(digitsOf(m[0]))),
    ...findIbans(text),
    ...findAll(text, SSN, 'ssn', (m) => isSsn(m[1] ?? '', m[2] ?? '', m[3] ?? '')),
    ...findAll(text, INTERNATIONAL_PHONE, 'phone', (m) => phoneDigitsOk(digitsOf(m[0]), 8, 15)),
    ...findAll(text, NANP_PHONE, 'phone'),
  ];
}

const EMAIL = /\b[A-Za-z0-9._%+-]{1,64}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b/g;
// 13–19 digits, optionally grouped by single spaces or dashes.
const CARD = /(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])/g;
// Two letters, two check digits, then 11–30 alphanumerics, optionally in groups of four.
const IBAN = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b/g;
const SSN = /(?<![\d-])(\d{3})[- ](\d{2})[- ](\d{4})(?![\d-])/g;
// `+` and a country code, then digit groups separated by spaces, dots, dashes or a bracketed area code.
const INTERNATIONAL_PHONE = /(?<![\w+])\+\d{1,3}(?:[ .-]?\(?\d{1,4}\)?){2,6}(?!\d)/g;
// (415) 555-2671 or 415-555-2671 / 415.555.2671: the layout, not just ten digits.
const NANP_PHONE = /(?<!\d)(?:\(\d{3}\) ?|\d{3}[-.])\d{3}[-.]\d{4}(?!\d)/g;

function digitsOf(text: string): string {
  return text.replace(/\D/g, '');
}

function phoneDigitsOk(digits: string, min: number, max: number): boolean {
  return digits.length >= min && digits.length <= max;
}

/** Luhn plus the issuer prefixes of the networks in use (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay, Maestro). */
export function isPaymentCard(digits: string): boolean {
  if (digits.length < 13 || digits.length > 19) return false;
  if (!/^(?:4|5[1-5]|2[2-7]|3[47]|3[05689]|6(?:011|5|4[4-9]|2)|50|5[6-8])/.test(digits)) return false;
  if (/^(\d)\1+$/.test(digits)) return false;
  return luhnValid(digits);
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** IBAN lengths by country (ISO 13616 registry, the SEPA countries and the others most often seen). */
// biome-ignore format: a table reads better in rows
const IBAN_LENGTHS: Record<string, number> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BR: 29, CH: 21, CR: 22,
  CY: 28, CZ: 24, DE: 22, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18, FO: 18, FR: 27, GB: 22,
  GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22, IL: 23, IS: 26, IT: 27, JO: 30,
  KW: 30, KZ: 20, LB: 28, LI: 21, LT: 20, LU: 20, LV: 21, MC: 27, MD: 24, ME: 22, MK: 19, MR: 27,
  MT: 31, MU: 30, NL: 18, NO: 15, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, SA: 24,
  SE: 24, SI: 19, SK: 24, SM: 27, TN: 24, TR: 26, UA: 29, VG: 24, XK: 20,
};

/**
 * IBAN candidates are matched greedily (groups of four may run into the next word), so each is cut
 * to its country's length before the checksum; a cut inside a group means it was not an IBAN.
 */
function findIbans(text: string): Finding[] {
  const findings: Finding[] = [];
  for (const match of text.matchAll(IBAN)) {
    const length = IBAN_LENGTHS[match[0].slice(0, 2)];
    if (!length) continue;
    let seen = 0;
    let end = 0;
    while (end < match[0].length && seen < length) if (match[0][end++] !== ' ') seen++;
    if (seen < length || /[A-Z0-9]/.test(match[0][end] ?? '')) continue;
    if (!isIban(match[0].slice(0, end))) continue;
    const start = match.index ?? 0;
    findings.push({ kind: 'iban', placeholder: '[IBAN]', start, end: start + end });
  }
  return findings;
}

/** The country's length and the ISO 7064 mod-97 check (the remainder must be 1). */
export function isIban(candidate: string): boolean {
  const iban = candidate.replace(/ /g, '');
  if (IBAN_LENGTHS[iban.slice(0, 2)] !== iban.length) return false;
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let remainder = 0;
  for (const char of rearranged) {
    const value = char >= 'A' ? String(char.charCodeAt(0) - 55) : char;
    for (const digit of value) remainder = (remainder * 10 + Number(digit)) % 97;
  }
  return remainder === 1;
}

/** Area 000, 666 and 900–999, group 00 and serial 0000 are never issued. */
export function isSsn(area: string, group: string, serial: string): boolean {
  if (area === '000' || area === '666' || area[0] === '9') return false;
  return group !== '00' && serial !== '0000';
}
