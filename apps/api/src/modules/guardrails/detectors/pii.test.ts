import { describe, expect, it } from 'vitest';
import { maskFindings } from './finding.js';
import { detectPii, isIban, isPaymentCard } from './pii.js';

const kinds = (text: string) => detectPii(text).map((f) => `${f.kind}:${text.slice(f.start, f.end)}`);

describe('pii detector', () => {
  it.each([
    ['write to jane.doe+news@example.co.uk today', 'email:jane.doe+news@example.co.uk'],
    ['card 4111 1111 1111 1111 exp 12/29', 'payment_card:4111 1111 1111 1111'],
    ['mc 5555-5555-5555-4444', 'payment_card:5555-5555-5555-4444'],
    ['amex 378282246310005.', 'payment_card:378282246310005'],
    ['discover 6011111111111117', 'payment_card:6011111111111117'],
    ['pay to GB82 WEST 1234 5698 7654 32 AND thanks', 'iban:GB82 WEST 1234 5698 7654 32'],
    ['DE89370400440532013000', 'iban:DE89370400440532013000'],
    ['FR14 2004 1010 0505 0001 3M02 606', 'iban:FR14 2004 1010 0505 0001 3M02 606'],
    ['ssn 123-45-6789', 'ssn:123-45-6789'],
    ['call +44 20 7946 0958 now', 'phone:+44 20 7946 0958'],
    ['or +1-202-555-0143', 'phone:+1-202-555-0143'],
    ['Berlin office +49 (30) 1234567', 'phone:+49 (30) 1234567'],
    ['US office (415) 555-2671', 'phone:(415) 555-2671'],
    ['desk 415.555.2671', 'phone:415.555.2671'],
  ])('finds %j', (text, expected) => {
    expect(kinds(text)).toContain(expected);
  });

  it.each([
    ['a Luhn-invalid card', '4111 1111 1111 1112'],
    ['a number without a network prefix', '1234 5678 9012 3452'],
    ['an order number', 'order 20231115123456 shipped'],
    ['a millisecond timestamp', 'at 1700000000000 ms'],
    ['an IBAN with a wrong checksum', 'GB82 WEST 1234 5698 7654 33'],
    ['an IBAN of the wrong length', 'DE8937040044053201300'],
    ['a country that has no IBAN', 'US12 3456 7890 1234 5678'],
    ['never-issued SSN areas', '000-12-3456 666-12-3456 912-12-3456'],
    ['an SSN with group 00 or serial 0000', '123-00-4567 123-45-0000'],
    ['a date', 'on 2024-11-15 and 15/11/2024'],
    ['a version number', 'version 2.4.1 and v10.12.3'],
    ['a score', 'we won +5 points, +12 overall'],
    ['a handle and a local address', '@jane and root@localhost'],
    ['a plain ten-digit id', 'ticket 4155552671'],
  ])('ignores %s', (_label, text) => {
    expect(kinds(text)).toEqual([]);
  });

  it('masks every finding with its placeholder', () => {
    const text = 'Mail jane@example.com, card 4111111111111111, ssn 123-45-6789.';
    expect(maskFindings(text, detectPii(text))).toBe('Mail [EMAIL], card [PAYMENT_CARD], ssn [SSN].');
  });

  it('validates checksums directly', () => {
    expect(isPaymentCard('4012888888881881')).toBe(true);
    expect(isPaymentCard('4444444444444444')).toBe(false);
    expect(isIban('NL91ABNA0417164300')).toBe(true);
    expect(isIban('NL91ABNA0417164301')).toBe(false);
  });
});
