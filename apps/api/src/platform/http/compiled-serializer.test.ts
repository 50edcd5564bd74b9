import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConversationList } from '@agentry/contracts';
import { compiledSerializerCompiler } from './compiled-serializer.js';

const route = (schema: z.ZodType) => ({ schema, method: 'GET', url: '/x' });
const item = {
  id: '3f1c2a54-8d2b-4c1e-9a7b-2f6e1d0c9b8a',
  title: 'Ünïcode "quoted" \u2028 title',
  agent: 'assistant',
  message_count: 2,
  last_message_preview: null,
  created_at: '2026-12-06T10:00:00.000Z',
  updated_at: '2026-12-06T10:00:01.000Z',
};

describe('compiledSerializerCompiler', () => {
  const serialize = compiledSerializerCompiler(route(ConversationList));

  it('writes what the zod serializer writes for a valid response', () => {
    const body = { items: [item, { ...item, last_message_preview: 'hi' }], next_cursor: 'abc' };
    expect(JSON.parse(serialize(body))).toEqual(ConversationList.parse(body));
  });

  it('writes only the schema properties', () => {
    const out = JSON.parse(serialize({ items: [{ ...item, password_hash: 'x' }], next_cursor: null, secret: 1 }));
    expect(out).toEqual({ items: [item], next_cursor: null });
  });

  it('fails on a missing required property', () => {
    expect(() => serialize({ items: [] })).toThrow();
  });

  it('keeps the zod serializer for a schema JSON Schema cannot express', () => {
    const withTransform = z.object({ n: z.string().transform((s) => s.length) });
    const fallback = compiledSerializerCompiler(route(withTransform));
    expect(() => fallback({ n: 'abc' })).toThrow(); // zod's encode refuses a one-way transform
  });
});
