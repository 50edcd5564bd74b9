import { type Finding, findAll } from './finding.js';

/**
 * A tenant's blocked terms: whole words or phrases, matched regardless of case and accents ("Café"
 * blocks "cafe" and "CAFÉ"), never inside a longer word ("ass" does not block "class").
 */
export function detectBlockedTerms(text: string, terms: readonly string[]): Finding[] {
  const wanted = terms.map(fold).filter((term) => term.trim().length > 0);
  if (wanted.length === 0) return [];
  const { folded, offsets } = foldWithOffsets(text);
  const original = (offset: number) => (offsets ? (offsets[offset] ?? text.length) : offset);
  const alternatives = wanted.map((term) => term.trim().split(/\s+/).map(escapeRegExp).join('\\s+'));
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${alternatives.join('|')})(?![\\p{L}\\p{N}_])`, 'gu');
  return findAll(folded, pattern, 'blocked_term').map((finding) => ({
    ...finding,
    start: original(finding.start),
    end: original(finding.end),
  }));
}

/** Lower case without combining marks. */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

/**
 * Folds the text and keeps, for every folded offset, the offset in the original text, so a finding
 * masks the user's own spelling. ASCII text (most of it) folds in place: no offset table.
 */
function foldWithOffsets(text: string): { folded: string; offsets: number[] | null } {
  if (!/[^ -~\t\n\r]/.test(text)) return { folded: text.toLowerCase(), offsets: null };
  let folded = '';
  const offsets: number[] = [];
  let index = 0;
  for (const char of text) {
    const piece = char < '\x80' ? char.toLowerCase() : fold(char);
    for (let i = 0; i < piece.length; i++) offsets.push(index);
    folded += piece;
    index += char.length;
  }
  offsets.push(index);
  return { folded, offsets };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
