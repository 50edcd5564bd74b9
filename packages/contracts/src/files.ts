import { z } from 'zod';
import { Timestamp, Uuid } from './common.js';

/** API.md "Files and knowledge". */
export const FilePurpose = z.enum(['knowledge', 'attachment']);
export type FilePurpose = z.infer<typeof FilePurpose>;
export const FileStatus = z.enum(['processing', 'ready', 'failed']);
export type FileStatus = z.infer<typeof FileStatus>;

/** Types accepted for any purpose (checked from the bytes, not the name). */
export const DOCUMENT_TYPES = [
  'text/plain',
  'text/markdown',
  'text/csv',
  'application/json',
  'text/html',
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
] as const;
/** Accepted for attachments only. */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;

export const FileObject = z.object({
  id: Uuid,
  filename: z.string(),
  content_type: z.string(),
  size_bytes: z.number().int(),
  sha256: z.string(),
  purpose: FilePurpose,
  status: FileStatus,
  error: z.string().nullable(),
  chunk_count: z.number().int(),
  uploaded_by: Uuid.nullable(),
  created_at: Timestamp,
});
export type FileObject = z.infer<typeof FileObject>;

export const FileList = z.object({ items: z.array(FileObject), next_cursor: z.string().nullable() });
export type FileList = z.infer<typeof FileList>;

export const FileListQuery = z.object({
  purpose: FilePurpose.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional(),
});
export type FileListQuery = z.infer<typeof FileListQuery>;

export const KnowledgeSearchRequest = z.object({
  query: z.string().trim().min(1).max(2000),
  limit: z.number().int().min(1).max(50).default(8),
  file_ids: z.array(Uuid).max(100).optional(),
});
export type KnowledgeSearchRequest = z.infer<typeof KnowledgeSearchRequest>;

export const KnowledgeHit = z.object({
  file_id: Uuid,
  filename: z.string(),
  chunk_id: Uuid,
  text: z.string(),
  score: z.number(),
  page: z.number().int().nullable(),
});
export type KnowledgeHit = z.infer<typeof KnowledgeHit>;

export const KnowledgeSearchResponse = z.object({ items: z.array(KnowledgeHit) });
export type KnowledgeSearchResponse = z.infer<typeof KnowledgeSearchResponse>;
