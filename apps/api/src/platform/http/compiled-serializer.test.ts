import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConversationDetail, ConversationList, MessagePage, UsageResponse } from '@agentry/contracts';
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

  it('leaves out an extra field inside a nullable object or a union branch instead of failing', () => {
    const schema = z.object({
      feedback: z.object({ rating: z.enum(['up', 'down']) }).nullable(),
      parts: z.array(z.union([z.object({ text: z.string() }), z.object({ size: z.number() })])),
    });
    const write = compiledSerializerCompiler(route(schema));
    const body = {
      feedback: { rating: 'up', internal: 'x' },
      parts: [
        { text: 'a', internal: 1 },
        { size: 2, internal: 2 },
      ],
    };
    expect(JSON.parse(write(body))).toEqual({ feedback: { rating: 'up' }, parts: [{ text: 'a' }, { size: 2 }] });
    expect(JSON.parse(write({ feedback: null, parts: [] }))).toEqual({ feedback: null, parts: [] });
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

describe('compiledSerializerCompiler on the other hot reads', () => {
  const message = {
    id: '0b5e6f9c-1d2a-4b3c-8d4e-5f6a7b8c9d0e',
    role: 'assistant' as const,
    content: 'Line one\nline "two" </script>',
    agent: 'triage',
    created_at: '2026-12-06T10:00:02.000Z',
    parent_id: item.id,
    branch_index: 2,
    branch_count: 3,
    previous_sibling_id: item.id,
    next_sibling_id: null,
    tool_calls: [{ call_id: 'c1', name: 'search', arguments: '{"q":"x"}', output: null }],
    feedback: { rating: 'up' as const, comment: null },
  };
  const userMessage = {
    ...message,
    role: 'user' as const,
    agent: null,
    parent_id: null,
    branch_index: 1,
    branch_count: 1,
    previous_sibling_id: null,
    tool_calls: undefined,
    feedback: undefined,
    attachments: [{ file_id: item.id, filename: 'a.pdf', content_type: 'application/pdf', size_bytes: 12 }],
  };

  it('writes a conversation and a message page as the zod serializer does', () => {
    const detail = {
      id: item.id,
      title: item.title,
      agent: 'triage',
      created_at: item.created_at,
      updated_at: item.updated_at,
      messages: [userMessage, message, { ...message, feedback: null, tool_calls: undefined }],
      has_more: false,
    };
    const serialize = compiledSerializerCompiler(route(ConversationDetail));
    expect(JSON.parse(serialize(detail))).toEqual(ConversationDetail.parse(detail));
    const page = { items: detail.messages, next_cursor: message.id };
    expect(JSON.parse(compiledSerializerCompiler(route(MessagePage))(page))).toEqual(MessagePage.parse(page));
  });

  it('leaves out what a message has beyond its schema, and fails without a required field', () => {
    const serialize = compiledSerializerCompiler(route(MessagePage));
    const out = JSON.parse(serialize({ items: [{ ...message, tenant_id: 'x' }], next_cursor: null }));
    expect(out.items[0]).not.toHaveProperty('tenant_id');
    expect(out.items[0].feedback).toEqual({ rating: 'up', comment: null });
    // Inside a nullable object (an `anyOf` the serializer checks) an extra field is left out too.
    const extra = { ...message, feedback: { rating: 'up', comment: null, user_id: 'u' } };
    expect(JSON.parse(serialize({ items: [extra], next_cursor: null })).items[0].feedback).toEqual(message.feedback);
    const { content: _, ...noContent } = message;
    expect(() => serialize({ items: [noContent], next_cursor: null })).toThrow();
  });

  it('writes billing usage as the zod serializer does, and only its properties', () => {
    const usage = {
      period_start: '2026-12-01T00:00:00.000Z',
      period_end: '2027-01-01T00:00:00.000Z',
      items: [
        { feature_key: 'messages', used: 12, hard_limit: 1000, soft_limit: null },
        { feature_key: 'seats', used: 2, hard_limit: null, soft_limit: null },
      ],
    };
    const serialize = compiledSerializerCompiler(route(UsageResponse));
    expect(JSON.parse(serialize(usage))).toEqual(UsageResponse.parse(usage));
    expect(JSON.parse(serialize({ ...usage, stripe_customer_id: 'cus_x' }))).toEqual(usage);
    expect(() => serialize({ items: [] })).toThrow();
  });
});
