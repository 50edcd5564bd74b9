import { extractText } from './extract.js';
import { ATTACHMENT_TEXT_CHARS, type FilesServiceDeps, readAll } from './files.service.js';

/**
 * What chat reads of a message's attachments (chat's `AttachmentSource`, matched by shape so the
 * files module does not import chat), always by tenant: another tenant's id is simply not found.
 */
export class AttachmentReader {
  constructor(private readonly deps: Pick<FilesServiceDeps, 'database' | 'repo' | 'storage' | 'logger' | 'maxBytes'>) {}

  /** The tenant's files among `ids`, as a message shows them. */
  find = async (tenantId: string, ids: string[]) =>
    (await this.deps.repo.findMany(this.deps.database.db, tenantId, ids)).map((f) => ({
      file_id: f.id,
      filename: f.filename,
      content_type: f.contentType,
      size_bytes: f.sizeBytes,
      status: f.status,
    }));

  /** A file's bytes for the model (an image attachment), or null when the file or its object is gone. */
  bytes = async (tenantId: string, id: string): Promise<Buffer | null> => {
    const row = await this.deps.repo.find(this.deps.database.db, tenantId, id);
    if (!row) return null;
    try {
      return await readAll(await this.deps.storage.get(row.storageKey), this.deps.maxBytes);
    } catch (err) {
      this.deps.logger.warn({ err, file_id: id, event: 'files.object_missing' }, 'an attached file could not be read');
      return null;
    }
  };

  /**
   * A document's text for the model (a document attachment): what extraction kept for an
   * attachment, or the text extracted now for a knowledge file. Null when gone or unreadable.
   */
  text = async (tenantId: string, id: string): Promise<string | null> => {
    const row = await this.deps.repo.find(this.deps.database.db, tenantId, id);
    if (!row || row.status !== 'ready') return null;
    if (row.extractedText !== null) return row.extractedText;
    const bytes = await this.bytes(tenantId, id);
    if (!bytes) return null;
    try {
      return (await extractText(bytes, row.contentType))
        .map((p) => p.text)
        .join('\n\n')
        .slice(0, ATTACHMENT_TEXT_CHARS);
    } catch {
      return null;
    }
  };
}
