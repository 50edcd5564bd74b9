import type { Message } from '@agentry/contracts';

/** One conversation as a download: `markdown` for people, `json` for programs. */
export type ExportFormat = 'markdown' | 'json';

/** A file name safe in a Content-Disposition header: the title's letters, digits and dashes. */
export function exportFileName(title: string, format: ExportFormat): string {
  const base =
    title
      .normalize('NFKD')
      .replace(/[^\w\s-]/g, '')
      .trim()
      .replace(/\s+/g, '-')
      .slice(0, 60) || 'conversation';
  return `${base}.${format === 'markdown' ? 'md' : 'json'}`;
}

/**
 * The export as text chunks, written page by page so a long conversation never sits in memory
 * whole. JSON is `{"title", "exported_at", "messages": [...]}` with the API's message objects.
 */
export async function* renderExport(
  conversation: { id: string; title: string },
  pages: AsyncIterable<Message[]>,
  format: ExportFormat,
): AsyncGenerator<string> {
  const exportedAt = new Date().toISOString();
  if (format === 'json') {
    yield `{"id":${JSON.stringify(conversation.id)},"title":${JSON.stringify(conversation.title)},"exported_at":"${exportedAt}","messages":[`;
    let first = true;
    for await (const page of pages) {
      for (const m of page) {
        yield `${first ? '' : ','}\n${JSON.stringify(m)}`;
        first = false;
      }
    }
    yield '\n]}\n';
    return;
  }
  yield `# ${oneLine(conversation.title)}\n\n_Exported ${exportedAt}_\n`;
  for await (const page of pages) {
    for (const m of page) {
      const who = m.role === 'user' ? 'You' : `Assistant${m.agent ? ` (${m.agent})` : ''}`;
      yield `\n## ${who} — ${m.created_at}\n\n${m.content}\n`;
      if (m.attachments?.length)
        yield `\n> Attached: ${m.attachments.map((a) => `${oneLine(a.filename)} (${a.content_type})`).join(', ')}\n`;
      for (const call of m.tool_calls ?? []) yield `\n> Tool \`${call.name}\` was called.\n`;
    }
  }
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();
