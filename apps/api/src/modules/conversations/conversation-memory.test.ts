import type { AgentInputItem } from '@openai/agents';
import { describe, expect, it } from 'vitest';
import {
  estimateTokens,
  loadTail,
  MAX_SUMMARY_CHARS,
  offlineAssistant,
  renderTranscript,
  type PositionedItem,
} from './conversation-memory.js';

/** A session of `n` items (user, assistant tool call, tool output, assistant answer, …), positions 1..n. */
function session(n: number): PositionedItem[] {
  return Array.from({ length: n }, (_, i) => {
    const kind = i % 4;
    const item =
      kind === 0
        ? { role: 'user', content: `question ${i + 1} ${'x'.repeat(100)}` }
        : kind === 1
          ? { type: 'function_call', callId: `c${i}`, name: 'calculator', arguments: '{}' }
          : kind === 2
            ? { type: 'function_call_result', callId: `c${i - 1}`, name: 'calculator', output: '42' }
            : { role: 'assistant', content: [{ type: 'output_text', text: `answer ${i + 1}` }] };
    return { position: i + 1, item: item as AgentInputItem };
  });
}

function loaderOver(items: PositionedItem[]) {
  const calls: number[] = [];
  const load = async (before: number | undefined, limit: number) => {
    calls.push(limit);
    return items
      .filter((e) => before === undefined || e.position < before)
      .reverse()
      .slice(0, limit);
  };
  return { load, calls };
}

describe('the model’s bounded memory', () => {
  it('keeps the newest items within the budget, starting at a user message, and reads only the pages it needs', async () => {
    const items = session(10_000);
    const { load, calls } = loaderOver(items);
    const { tail, exceeded } = await loadTail(load, 1000);
    expect(exceeded).toBe(true);
    expect((tail[0].item as { role?: string }).role).toBe('user');
    expect(tail.at(-1)!.position).toBe(10_000);
    expect(tail.map((e) => e.position)).toEqual(tail.map((_, i) => tail[0].position + i));
    expect(tail.reduce((n, e) => n + estimateTokens(e.item), 0)).toBeLessThanOrEqual(1000);
    // 1000 tokens of ~20-token items fit in one or two pages of 64: the other 9,900 items are never read.
    expect(calls.length).toBeLessThanOrEqual(2);
  });

  it('returns the whole short session as it is', async () => {
    const items = session(7);
    const { tail, exceeded } = await loadTail(loaderOver(items).load, 16_000);
    expect(exceeded).toBe(false);
    expect(tail).toEqual(items);
  });

  it('the offline summary is deterministic, bounded, and keeps the newest lines', async () => {
    const signal = new AbortController().signal;
    const transcript = renderTranscript(session(4000).map((e) => e.item));
    expect(transcript).toContain('Tool call calculator({})');
    const a = await offlineAssistant.summarize({ previous: 'User: the very first question', transcript }, signal);
    const b = await offlineAssistant.summarize({ previous: 'User: the very first question', transcript }, signal);
    expect(a).toBe(b);
    expect(a.length).toBeLessThanOrEqual(MAX_SUMMARY_CHARS);
    expect(a).toContain('answer 4000');
    expect(a).not.toContain('Tool call');
  });
});
