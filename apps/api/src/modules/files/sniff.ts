import { DOCUMENT_TYPES, IMAGE_TYPES, type FilePurpose } from '@agentry/contracts';

export const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const TEXT_TYPES = ['text/plain', 'text/markdown', 'text/csv', 'application/json', 'text/html'];
const BY_EXTENSION: Record<string, string> = {
  txt: 'text/plain',
  md: 'text/markdown',
  markdown: 'text/markdown',
  csv: 'text/csv',
  json: 'application/json',
  html: 'text/html',
  htm: 'text/html',
  pdf: 'application/pdf',
  docx: DOCX,
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
};

/** What the first bytes say (magic numbers); `text` when no binary signature matched. */
export type Sniffed =
  | { kind: 'binary'; type: string }
  | { kind: 'executable' }
  | { kind: 'text' }
  | { kind: 'unknown' };

const startsWith = (head: Buffer, bytes: number[], at = 0) => bytes.every((b, i) => head[at + i] === b);

export function sniff(head: Buffer): Sniffed {
  if (
    startsWith(head, [0x7f, 0x45, 0x4c, 0x46]) ||
    startsWith(head, [0x4d, 0x5a]) ||
    startsWith(head, [0xcf, 0xfa, 0xed, 0xfe]) ||
    startsWith(head, [0x23, 0x21])
  )
    return { kind: 'executable' };
  if (head.subarray(0, 1024).includes('%PDF-')) return { kind: 'binary', type: 'application/pdf' };
  if (startsWith(head, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { kind: 'binary', type: 'image/png' };
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { kind: 'binary', type: 'image/jpeg' };
  if (head.subarray(0, 6).toString('latin1') === 'GIF87a' || head.subarray(0, 6).toString('latin1') === 'GIF89a')
    return { kind: 'binary', type: 'image/gif' };
  if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP')
    return { kind: 'binary', type: 'image/webp' };
  if (startsWith(head, [0x50, 0x4b, 0x03, 0x04])) {
    // A ZIP: a Word document names word/ parts (checked again, fully, when it is extracted).
    return head.includes('word/') || head.includes('[Content_Types].xml')
      ? { kind: 'binary', type: DOCX }
      : { kind: 'unknown' };
  }
  return { kind: 'text' };
}

/**
 * The type a file is stored as, or a reason to refuse it (415): the bytes decide, the declared
 * type and the name only choose among the text types and must not contradict the bytes.
 */
export function resolveType(input: {
  sniffed: Sniffed;
  /** Whether the whole stream was valid UTF-8 without NUL bytes. */
  validText: boolean;
  declared: string | undefined;
  filename: string;
  purpose: FilePurpose;
}): { type: string } | { refused: string } {
  const declared = input.declared?.split(';')[0]?.trim().toLowerCase() || undefined;
  const ext = input.filename.toLowerCase().split('.').pop() ?? '';
  const byName = BY_EXTENSION[ext];
  const s = input.sniffed;
  if (s.kind === 'executable') return { refused: 'Executables are not accepted.' };
  if (s.kind === 'unknown') return { refused: 'The file type is not accepted.' };
  let type: string;
  if (s.kind === 'binary') {
    type = s.type;
    // A part without a Content-Type arrives as text/plain (busboy's default): no claim to contradict.
    const generic = !declared || declared === 'application/octet-stream' || declared === 'text/plain';
    if (!generic && declared !== type) return { refused: `The content is ${type}, not ${declared}.` };
    if (byName && byName !== type && !TEXT_TYPES.includes(byName))
      return { refused: `The content is ${type}, not what the name .${ext} says.` };
  } else {
    if (!input.validText) return { refused: 'The file type is not accepted.' };
    const candidate =
      declared && TEXT_TYPES.includes(declared) ? declared : byName && TEXT_TYPES.includes(byName) ? byName : undefined;
    if (
      declared &&
      declared !== 'application/octet-stream' &&
      !TEXT_TYPES.includes(declared) &&
      declared !== 'text/x-markdown'
    )
      return { refused: `The content is text, not ${declared}.` };
    if (byName && !TEXT_TYPES.includes(byName))
      return { refused: `The content is text, not what the name .${ext} says.` };
    type = candidate ?? (declared === 'text/x-markdown' ? 'text/markdown' : 'text/plain');
  }
  const allowed: readonly string[] =
    input.purpose === 'attachment' ? [...DOCUMENT_TYPES, ...IMAGE_TYPES] : DOCUMENT_TYPES;
  if (!allowed.includes(type)) return { refused: `${type} is not accepted for ${input.purpose} files.` };
  return { type };
}
