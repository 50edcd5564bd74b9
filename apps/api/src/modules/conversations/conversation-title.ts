const MAX_TITLE = 60;

/** The automatic title of a conversation: the first line of its first message, cut at a word. */
export function titleFromMessage(message: string): string {
  const line =
    message
      .trim()
      .split(/\r?\n/)
      .find((l) => l.trim())
      ?.trim()
      .replace(/\s+/g, ' ') ?? '';
  if (!line) return 'New conversation';
  if (line.length <= MAX_TITLE) return line;
  const cut = line.slice(0, MAX_TITLE);
  const space = cut.lastIndexOf(' ');
  return `${(space > 20 ? cut.slice(0, space) : cut).replace(/[\s,.;:!?-]+$/, '')}…`;
}

/** A one-line preview of a message for the list. */
export function previewOf(content: string): string {
  const flat = content.replace(/\s+/g, ' ').trim();
  return flat.length <= 140 ? flat : `${flat.slice(0, 139)}…`;
}
