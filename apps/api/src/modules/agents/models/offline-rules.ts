import type { AgentInputItem, ModelRequest } from '@openai/agents';

/**
 * The offline model's rules, as a pure function of the request: what the model "decides" to do.
 * Kept apart from the Model class so the rules read like the spec in ARCHITECTURE.md ("Models").
 */
export type OfflineDecision =
  | { kind: 'tool'; name: string; arguments: Record<string, unknown> }
  | { kind: 'handoff'; toolName: string }
  | { kind: 'text'; text: string };

const CODE_WORDS =
  /\b(code|coding|bugs?|debug\w*|functions?|typescript|javascript|python|programm\w*|compile\w*|refactor\w*|stack ?trace|exceptions?|sql|api)\b/i;
const DATA_WORDS = /\b(data|dataset|csv|charts?|tables?|spreadsheets?|statistics?|average|median|plot|graph)\b/i;

export function countWords(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Plain text of an input item (user/assistant/system messages, tool calls and results). */
export function itemText(item: AgentInputItem): string {
  const i = item as Record<string, unknown>;
  if (typeof i.content === 'string') return i.content;
  if (Array.isArray(i.content)) {
    return i.content
      .map((c: Record<string, unknown>) =>
        typeof c.text === 'string' ? c.text : typeof c.refusal === 'string' ? c.refusal : '',
      )
      .join(' ');
  }
  if (i.type === 'function_call') return `${String(i.name)} ${String(i.arguments)}`;
  if (i.type === 'function_call_result') return outputText(i.output);
  return '';
}

function outputText(output: unknown): string {
  if (typeof output === 'string') return output;
  if (output && typeof output === 'object' && 'text' in output && typeof output.text === 'string') return output.text;
  return JSON.stringify(output ?? '');
}

function isUserMessage(item: AgentInputItem): boolean {
  return (item as { role?: string }).role === 'user';
}

/** A file the user attached to their message, as chat tags it in the user item (chat/attachments.ts). */
interface SeenAttachment {
  filename: string;
  contentType: string;
  /** Words of a document's text; null for an image. */
  words: number | null;
  /** An image that came as image input. */
  image: boolean;
}

const ATTACHMENT_TAG = /^<attachment filename="([^"]*)" content_type="([^"]*)"( \/>|>\n([\s\S]*)\n<\/attachment>)$/;

/** The user item's own text (without its attachments) and the attachments it carries. */
function userParts(item: AgentInputItem): { text: string; attachments: SeenAttachment[] } {
  const content = (item as { content?: unknown }).content;
  if (!Array.isArray(content)) return { text: itemText(item), attachments: [] };
  const texts: string[] = [];
  const attachments: SeenAttachment[] = [];
  for (const part of content as { type?: string; text?: string; image?: unknown }[]) {
    if (part.type === 'input_image') {
      const last = attachments[attachments.length - 1];
      if (last && last.words === null && typeof part.image === 'string') last.image = true;
      continue;
    }
    if (typeof part.text !== 'string') continue;
    const tag = ATTACHMENT_TAG.exec(part.text);
    if (!tag) texts.push(part.text);
    else
      attachments.push({
        filename: tag[1] ?? '',
        contentType: tag[2] ?? '',
        words: tag[4] === undefined ? null : countWords(tag[4]),
        image: false,
      });
  }
  return { text: texts.join(' '), attachments };
}

/** The conversation as the model sees it: the last user message, its attachments and what followed it. */
function currentTurn(input: ModelRequest['input']): {
  message: string;
  attachments: SeenAttachment[];
  after: AgentInputItem[];
} {
  if (typeof input === 'string') return { message: input, attachments: [], after: [] };
  let last = -1;
  for (let i = input.length - 1; i >= 0; i--) {
    if (isUserMessage(input[i])) {
      last = i;
      break;
    }
  }
  if (last < 0) return { message: '', attachments: [], after: [...input] };
  const { text, attachments } = userParts(input[last]);
  return { message: text, attachments, after: input.slice(last + 1) };
}

type ToolResult = { name: string; output: string; arguments?: string };

function toolResultsAfter(after: AgentInputItem[], handoffTools: Set<string>): ToolResult[] {
  const calls = new Map<string, string>();
  const results: ToolResult[] = [];
  for (const item of after) {
    const i = item as Record<string, unknown>;
    if (i.type === 'function_call') calls.set(String(i.callId), String(i.arguments));
    if (
      i.type === 'function_call_result' &&
      !handoffTools.has(String(i.name)) &&
      !String(i.name).startsWith('transfer_to_')
    ) {
      results.push({ name: String(i.name), output: outputText(i.output), arguments: calls.get(String(i.callId)) });
    }
  }
  return results;
}

function hasTool(request: ModelRequest, name: string): boolean {
  return request.tools.some((t) => t.name === name);
}

/** Answers once a tool has run: with its output. */
function answerFromTool(result: ToolResult): string {
  if (result.name === 'current_time') return `The current time is ${result.output}.`;
  if (result.name === 'calculator') {
    let expression = '';
    try {
      expression = String((JSON.parse(result.arguments ?? '{}') as { expression?: string }).expression ?? '');
    } catch {
      expression = '';
    }
    return expression ? `${expression} = ${result.output}` : `The result is ${result.output}.`;
  }
  if (result.name === 'file_search') return answerFromFiles(result.output);
  return `The ${result.name} tool returned: ${result.output}`;
}

/** The best passage file_search found, with the file it comes from (the citation). */
function answerFromFiles(output: string): string {
  let best: { filename?: string; page?: number | null; text?: string } | undefined;
  try {
    best = (JSON.parse(output) as { results?: (typeof best)[] }).results?.[0];
  } catch {
    best = undefined;
  }
  if (!best?.text) return 'I found nothing about that in your files.';
  const where = best.page ? `${best.filename}, page ${best.page}` : best.filename;
  return `From ${where}: ${best.text}`;
}

/** The reply when no rule applies: at least the message's word count plus five words, then the attachments it got. */
function echoReply(agentName: string, message: string, attachments: SeenAttachment[]): string {
  const words = message.split(/\s+/).filter(Boolean);
  const head = `This is the offline model answering as ${agentName}; no language model is configured.`;
  const echo = words.length ? `${head} You wrote: ${words.join(' ')}` : head;
  if (!attachments.length) return echo;
  const listed = attachments.map(
    (a) =>
      `${a.filename} (${a.contentType}, ${
        a.words !== null ? `${a.words} words of text` : a.image ? 'an image I received' : 'an image I did not receive'
      })`,
  );
  return `${echo} You attached ${attachments.length} ${attachments.length === 1 ? 'file' : 'files'}: ${listed.join(', ')}.`;
}

export function decide(request: ModelRequest, agentName: string): OfflineDecision {
  const { message, attachments, after } = currentTurn(request.input);
  const handoffTools = new Set(request.handoffs.map((h) => h.toolName));
  const results = toolResultsAfter(after, handoffTools);
  if (results.length) return { kind: 'text', text: answerFromTool(results[results.length - 1]) };

  // `use TOOL with JSON`: calls TOOL (any tool the agent has, e.g. an MCP tool) with those arguments.
  const use = /\buse\s+([A-Za-z0-9_-]{1,64})\s+with\s+(\{[\s\S]*\})\s*$/i.exec(message);
  if (use && hasTool(request, use[1])) {
    try {
      const args = JSON.parse(use[2]) as unknown;
      if (args && typeof args === 'object' && !Array.isArray(args))
        return { kind: 'tool', name: use[1], arguments: args as Record<string, unknown> };
    } catch {
      // Not JSON: the other rules apply.
    }
  }
  const files = /\bin my files\b/i.exec(message);
  if (files && hasTool(request, 'file_search')) {
    const query = message
      .replace(/\bin my files\b/gi, ' ')
      .replace(/\s+/g, ' ')
      .trim()
      .replace(/^[\s,:;-]+|[\s?.!,:;]+$/g, '');
    return { kind: 'tool', name: 'file_search', arguments: { query: query || message, limit: null } };
  }
  if (/\btime\b/i.test(message) && hasTool(request, 'current_time')) {
    return { kind: 'tool', name: 'current_time', arguments: { timezone: null } };
  }
  const calc = /\bcalculate\s+(.+)$/is.exec(message);
  if (calc && hasTool(request, 'calculator')) {
    const expression = calc[1]
      .trim()
      .replace(/[?.!]+$/, '')
      .trim();
    if (expression) return { kind: 'tool', name: 'calculator', arguments: { expression } };
  }
  const handoffTo = (target: string) => request.handoffs.find((h) => h.toolName === `transfer_to_${target}`)?.toolName;
  if (CODE_WORDS.test(message) && handoffTo('code_assistant'))
    return { kind: 'handoff', toolName: handoffTo('code_assistant')! };
  if (DATA_WORDS.test(message) && handoffTo('data_analyst'))
    return { kind: 'handoff', toolName: handoffTo('data_analyst')! };

  return { kind: 'text', text: echoReply(agentName, message, attachments) };
}
