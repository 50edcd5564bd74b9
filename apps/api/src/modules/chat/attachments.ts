import type { AgentInputItem } from '@openai/agents';
import type { MessageAttachment } from '@agentry/contracts';
import { AppError } from '../../platform/errors.js';
import type { SessionImages } from '../conversations/postgres-session.js';
import { RunRefused } from './run-errors.js';

/** A file of the tenant that a message may carry, as the files module reports it. */
export interface AttachableFile extends MessageAttachment {
  status: 'processing' | 'ready' | 'failed';
}

/**
 * What chat needs of the files module for attachments (the files module implements it, `app.ts`
 * wires it). Every call is scoped to a tenant: another tenant's file is simply not found.
 */
export interface AttachmentSource {
  /** The tenant's files among `ids` (in any order; missing ones are not there). */
  find(tenantId: string, ids: string[]): Promise<AttachableFile[]>;
  /** A file's bytes (null: the file or its object is gone). */
  bytes(tenantId: string, fileId: string): Promise<Buffer | null>;
  /** A document's extracted text (null: gone or not readable). */
  text(tenantId: string, fileId: string): Promise<string | null>;
}

export interface AttachmentSettings {
  /** MESSAGE_MAX_ATTACHMENTS. */
  maxFiles: number;
  /** CHAT_ATTACHMENT_MAX_TOKENS: the documents' text the model gets, all documents of a message together. */
  maxTokens: number;
  /** MODEL_IMAGE_INPUT: whether the configured model takes images. */
  imageInput: boolean;
}

/** ≈ 4 characters a token (the estimate the files module chunks by). */
const CHARS_PER_TOKEN = 4;

export const isImage = (contentType: string) => contentType.startsWith('image/');

/**
 * Checks a message's `attachments` before anything is stored: at most MESSAGE_MAX_ATTACHMENTS,
 * each once, each a `ready` file of the caller's tenant; otherwise 422 with the path `attachments`.
 * Another tenant's file reads as unknown, exactly like an id that never existed.
 */
export async function checkAttachments(
  source: AttachmentSource,
  tenantId: string,
  ids: string[],
  settings: AttachmentSettings,
): Promise<MessageAttachment[]> {
  const refuse = (message: string) =>
    new AppError('validation_failed', 'The attachments cannot be sent.', {
      errors: [{ path: 'attachments', message }],
    });
  if (ids.length > settings.maxFiles) throw refuse(`at most ${settings.maxFiles} files`);
  if (new Set(ids).size !== ids.length) throw refuse('each file at most once');
  if (ids.length === 0) return [];
  const found = new Map((await source.find(tenantId, ids)).map((f) => [f.file_id, f]));
  const files: MessageAttachment[] = [];
  for (const id of ids) {
    const file = found.get(id);
    if (!file) throw refuse(`no such file: ${id}`);
    if (file.status !== 'ready') throw refuse(`file ${id} is ${file.status === 'failed' ? 'failed' : 'not ready yet'}`);
    files.push({
      file_id: file.file_id,
      filename: file.filename,
      content_type: file.content_type,
      size_bytes: file.size_bytes,
    });
  }
  return files;
}

// Upload already replaced control characters in file names; these would end the tag early.
const attr = (s: string) => s.replace(/["<>&\r\n\t]/g, ' ');
/** The marker the model (and the offline model) reads before each attachment's content. */
export const attachmentTag = (file: MessageAttachment, body?: string) => {
  const head = `<attachment filename="${attr(file.filename)}" content_type="${attr(file.content_type)}"`;
  return body === undefined ? `${head} />` : `${head}>\n${body}\n</attachment>`;
};

/**
 * A run's attachments: the user item the model gets (the message, each document's text within the
 * token budget, each image as image input from storage) and, as the session's `SessionImages`, the
 * link between the images sent and their files so the model's memory stores references, never bytes.
 */
export class RunAttachments implements SessionImages {
  /** data URL → file id, for the images this run sends. */
  private readonly sent = new Map<string, string>();

  constructor(
    private readonly source: AttachmentSource,
    private readonly tenantId: string,
    readonly files: MessageAttachment[],
    private readonly settings: AttachmentSettings,
  ) {}

  fileIdOf(image: string): string | undefined {
    return this.sent.get(image);
  }

  async load(fileId: string): Promise<string | null> {
    if (!this.settings.imageInput) return null;
    const [file] = await this.source.find(this.tenantId, [fileId]);
    if (!file || !isImage(file.content_type)) return null;
    const bytes = await this.source.bytes(this.tenantId, fileId);
    return bytes ? dataUrl(file.content_type, bytes) : null;
  }

  /**
   * The run's input: the message as it is without attachments; with them, one user item. A
   * message with an image for a model without image input ends the run (`image_input_unsupported`).
   */
  async modelInput(message: string): Promise<string | AgentInputItem[]> {
    if (this.files.length === 0) return message;
    if (!this.settings.imageInput && this.files.some((f) => isImage(f.content_type)))
      throw new RunRefused({
        code: 'image_input_unsupported',
        message: 'The configured model cannot read images; send the message without the image.',
        retryable: false,
      });
    let budget = this.settings.maxTokens * CHARS_PER_TOKEN;
    const content: ({ type: 'input_text'; text: string } | { type: 'input_image'; image: string; detail: 'auto' })[] = [
      { type: 'input_text', text: message },
    ];
    for (const file of this.files) {
      if (isImage(file.content_type)) {
        const bytes = await this.source.bytes(this.tenantId, file.file_id);
        if (!bytes) {
          content.push({ type: 'input_text', text: attachmentTag(file, '[This file is no longer available.]') });
          continue;
        }
        const image = dataUrl(file.content_type, bytes);
        this.sent.set(image, file.file_id);
        content.push({ type: 'input_text', text: attachmentTag(file) }, { type: 'input_image', image, detail: 'auto' });
        continue;
      }
      const text = (await this.source.text(this.tenantId, file.file_id)) ?? '[This file is no longer available.]';
      const kept = text.slice(0, Math.max(0, budget));
      budget -= kept.length;
      const marker =
        kept.length < text.length
          ? `\n[… truncated: the first ${kept.length} of ${text.length} characters of this file (CHAT_ATTACHMENT_MAX_TOKENS)]`
          : '';
      content.push({ type: 'input_text', text: attachmentTag(file, kept + marker) });
    }
    return [{ role: 'user', content }];
  }
}

const dataUrl = (contentType: string, bytes: Buffer) => `data:${contentType};base64,${bytes.toString('base64')}`;
