import type { RunStreamEvent } from '@openai/agents';
import type { RunEventWriter } from './run-events.js';
import type { SavedTranscript } from './run-execution.js';

/** The SDK's stream of a run, as the contract's run events and as what is persisted at its end. */

export const stringify = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v ?? null));

/** What the stream told us so far; persisted at the end. */
export class RunTranscript {
  text = '';
  agent: string;
  handoffs: { from: string; to: string }[] = [];
  toolCalls: { callId: string; name: string; arguments: string; output: string | null }[] = [];
  constructor(entry: string, saved?: SavedTranscript) {
    this.agent = entry;
    if (saved) {
      this.text = saved.text;
      this.agent = saved.agent;
      this.handoffs = [...saved.handoffs];
      this.toolCalls = saved.toolCalls.map((c) => ({ ...c }));
    }
  }
}

/** Turns one SDK stream event into run events (none for those the contract does not show). */
export async function forward(
  e: RunStreamEvent,
  t: RunTranscript,
  writer: RunEventWriter,
  onHandoff: (to: string) => void,
) {
  if (e.type === 'raw_model_stream_event') {
    if (e.data.type === 'output_text_delta' && e.data.delta) {
      t.text += e.data.delta;
      await writer.append({ event: 'message.delta', data: { delta: e.data.delta } });
    }
    return;
  }
  if (e.type !== 'run_item_stream_event') return;
  const item = e.item as unknown as {
    type: string;
    rawItem: Record<string, unknown>;
    output?: unknown;
    sourceAgent?: { name: string };
    targetAgent?: { name: string };
  };
  if (e.name === 'handoff_occurred' && item.sourceAgent && item.targetAgent) {
    const handoff = { from: item.sourceAgent.name, to: item.targetAgent.name };
    t.handoffs.push(handoff);
    t.agent = handoff.to;
    onHandoff(handoff.to);
    await writer.append({ event: 'agent.updated', data: handoff });
  } else if (e.name === 'tool_called' && item.rawItem.type === 'function_call') {
    const call = {
      callId: String(item.rawItem.callId),
      name: String(item.rawItem.name),
      arguments: String(item.rawItem.arguments ?? ''),
    };
    t.toolCalls.push({ ...call, output: null });
    await writer.append({
      event: 'tool.called',
      data: { call_id: call.callId, name: call.name, arguments: call.arguments },
    });
  } else if (e.name === 'tool_output' && item.rawItem.type === 'function_call_result') {
    const callId = String(item.rawItem.callId);
    const output = stringify(item.output ?? item.rawItem.output);
    const call = t.toolCalls.find((c) => c.callId === callId);
    if (call) call.output = output;
    await writer.append({ event: 'tool.output', data: { call_id: callId, name: String(item.rawItem.name), output } });
  }
}
