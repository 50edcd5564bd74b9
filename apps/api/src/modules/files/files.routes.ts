import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  FileList,
  FileListQuery,
  FileObject,
  FilePurpose,
  IdParam,
  KnowledgeSearchRequest,
  KnowledgeSearchResponse,
} from '@agentry/contracts';
import { callerOf } from '../../platform/http/auth-guard.js';
import { AppError } from '../../platform/errors.js';
import type { FilesService } from './files.service.js';

/** Maps @fastify/multipart's errors to problems (never a 5xx for a malformed upload). */
function multipartError(err: unknown): unknown {
  if (err instanceof AppError) return err;
  const code = (err as { code?: string } | null)?.code ?? '';
  if (code === 'FST_REQ_FILE_TOO_LARGE') return new AppError('payload_too_large', 'The file is too large.');
  if (code === 'FST_INVALID_MULTIPART_CONTENT_TYPE')
    return new AppError('unsupported_media_type', 'Send multipart/form-data with a part named file.');
  if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT')
    return new AppError('validation_failed', 'Send one part named file (and optionally purpose).', {
      errors: [{ path: 'file', message: 'one file per request' }],
    });
  if (code.startsWith('FST_') || /multipart|boundary|Unexpected end/i.test(String((err as Error)?.message)))
    return new AppError('bad_request', 'The multipart body is malformed.');
  return err;
}

/** `/api/v1/files*` and `/api/v1/knowledge/search` (API.md "Files and knowledge"). */
export function filesRoutes(files: FilesService, options: { maxBytes: number }): FastifyPluginAsyncZod {
  return async (app) => {
    await app.register(multipart, {
      limits: { fileSize: options.maxBytes, files: 1, fields: 4, parts: 5, fieldSize: 1024, headerPairs: 100 },
    });
    const tags = ['files'];

    app.post(
      '/api/v1/files',
      {
        config: { auth: 'files:write' },
        schema: {
          tags,
          summary: 'Upload a file (multipart/form-data: field purpose first, then the part file)',
          consumes: ['multipart/form-data'],
          response: { 201: FileObject },
        },
      },
      async (request, reply) => {
        if (!request.isMultipart())
          throw new AppError('unsupported_media_type', 'Send multipart/form-data with a part named file.');
        const caller = callerOf(request);
        let purpose: FilePurpose = 'knowledge';
        let created: FileObject | undefined;
        try {
          for await (const part of request.parts()) {
            if (part.type === 'file') {
              if (part.fieldname !== 'file' || created) {
                part.file.resume();
                throw new AppError('validation_failed', 'Send one part named file.', {
                  errors: [{ path: 'file', message: 'one part named file' }],
                });
              }
              const stream = part.file;
              created = await files.upload(
                caller,
                {
                  stream,
                  filename: part.filename || 'file',
                  declaredType: part.mimetype,
                  truncated: () => stream.truncated,
                },
                () => purpose,
              );
            } else if (part.fieldname === 'purpose') {
              const parsed = FilePurpose.safeParse(part.value);
              if (!parsed.success)
                throw new AppError('validation_failed', 'purpose is knowledge or attachment.', {
                  errors: [{ path: 'purpose', message: 'knowledge or attachment' }],
                });
              purpose = parsed.data;
            }
          }
        } catch (err) {
          throw multipartError(err);
        }
        if (!created)
          throw new AppError('validation_failed', 'The part file is missing.', {
            errors: [{ path: 'file', message: 'required' }],
          });
        return reply.code(201).send(created);
      },
    );

    app.get(
      '/api/v1/files',
      {
        config: { auth: 'files:read' },
        schema: {
          tags,
          summary: "The tenant's files, newest first",
          querystring: FileListQuery,
          response: { 200: FileList },
        },
      },
      async (request) => files.list(callerOf(request), request.query),
    );

    app.get(
      '/api/v1/files/:id',
      {
        config: { auth: 'files:read' },
        schema: { tags, summary: 'A file', params: IdParam, response: { 200: FileObject } },
      },
      async (request) => files.get(callerOf(request), request.params.id),
    );

    app.get(
      '/api/v1/files/:id/content',
      {
        config: { auth: 'files:read' },
        schema: { tags, summary: "The file's bytes, as an attachment", params: IdParam },
      },
      async (request, reply) => {
        const { row, body } = await files.content(callerOf(request), request.params.id);
        const ascii = row.filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
        return reply
          .type(row.contentType)
          .header('content-length', String(row.sizeBytes))
          .header(
            'content-disposition',
            `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(row.filename)}`,
          )
          .header('x-content-type-options', 'nosniff')
          .header('cache-control', 'private, no-store')
          .send(body);
      },
    );

    app.delete(
      '/api/v1/files/:id',
      {
        config: { auth: 'files:write' },
        schema: { tags, summary: 'Delete a file, its chunks and its object', params: IdParam },
      },
      async (request, reply) => {
        await files.delete(callerOf(request), request.params.id);
        return reply.code(204).send();
      },
    );

    app.post(
      '/api/v1/knowledge/search',
      {
        config: { auth: 'files:read' },
        schema: {
          tags: ['knowledge'],
          summary: "Hybrid search (full-text and vector, fused) over the tenant's ready files",
          body: KnowledgeSearchRequest,
          response: { 200: KnowledgeSearchResponse },
        },
      },
      async (request) => ({
        items: await files.search(callerOf(request).tenantId, request.body),
      }),
    );
  };
}
