/**
 * What a detector found: a span of the text and the placeholder that replaces it when the action is
 * `mask`. Spans are UTF-16 offsets into the scanned text, `end` exclusive.
 */
export interface Finding {
  /** The detector's name for what it found (`email`, `payment_card`, `aws_access_key`, …). */
  kind: string;
  /** The replacement shown to the model and tools, e.g. `[EMAIL]`. */
  placeholder: string;
  start: number;
  end: number;
}

/** Every match of a global pattern as a finding, keeping only those `accept` approves. */
export function findAll(
  text: string,
  pattern: RegExp,
  kind: string,
  accept: (match: RegExpExecArray) => boolean = () => true,
): Finding[] {
  const findings: Finding[] = [];
  for (const match of text.matchAll(pattern)) {
    if (!accept(match)) continue;
    const start = match.index ?? 0;
    findings.push({ kind, placeholder: `[${kind.toUpperCase()}]`, start, end: start + match[0].length });
  }
  return findings;
}

/**
 * Replaces each finding's span with its placeholder. Overlapping findings merge into the first one's
 * placeholder, so a card number inside a longer secret is not masked twice.
 */
export function maskFindings(text: string, findings: readonly Finding[]): string {
  const ordered = [...findings].sort((a, b) => a.start - b.start || b.end - a.end);
  let out = '';
  let cursor = 0;
  for (const finding of ordered) {
    if (finding.end <= cursor) continue;
    if (finding.start >= cursor) {
      out += text.slice(cursor, finding.start) + finding.placeholder;
    }
    cursor = Math.max(cursor, finding.end);
  }
  return out + text.slice(cursor);
}
