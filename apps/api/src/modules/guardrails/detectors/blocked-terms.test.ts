import { describe, expect, it } from 'vitest';
import { detectBlockedTerms } from './blocked-terms.js';
import { maskFindings } from './finding.js';

const found = (text: string, terms: string[]) => detectBlockedTerms(text, terms).map((f) => text.slice(f.start, f.end));

describe('blocked-terms detector', () => {
  it('matches whole words regardless of case and accents', () => {
    expect(found('We love the CAFE and the café.', ['Café'])).toEqual(['CAFE', 'café']);
    expect(found('Project Zeus is secret', ['project zeus'])).toEqual(['Project Zeus']);
    expect(found('Project\n  Zeus', ['project zeus'])).toEqual(['Project\n  Zeus']);
  });

  it('never matches inside a longer word', () => {
    expect(found('a classic class', ['ass'])).toEqual([]);
    expect(found('competitors: acme, acmecorp', ['acme'])).toEqual(['acme']);
  });

  it('treats terms as text, not patterns', () => {
    expect(found('price is $5.00 (net)', ['$5.00 (net)'])).toEqual(['$5.00 (net)']);
    expect(found('a.b', ['a*b'])).toEqual([]);
  });

  it('masks with the original spelling located, including combining accents', () => {
    const text = 'Ask Cafe\u0301 Zürich';
    expect(maskFindings(text, detectBlockedTerms(text, ['café', 'zurich']))).toBe('Ask [BLOCKED_TERM] [BLOCKED_TERM]');
  });

  it('ignores empty term lists and blank terms', () => {
    expect(found('anything', [])).toEqual([]);
    expect(found('anything', ['  '])).toEqual([]);
  });
});
