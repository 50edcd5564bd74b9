import type OpenAI from 'openai';
import { loadOpenAI } from '../../../platform/ai-sdks.js';
import type { Finding } from './finding.js';

export interface ModerationSettings {
  apiKey?: string;
  baseUrl?: string;
  model?: string;
  timeoutMs?: number;
}

/**
 * OpenAI's moderation endpoint through the same base URL as the model, so any OpenAI-compatible
 * server that implements it works. A flagged text is one finding covering the whole text (the
 * endpoint does not locate what it flags), naming the categories. Unavailable without a key.
 */
export function createModeration(settings: ModerationSettings) {
  const { apiKey } = settings;
  // Made with the first check: `openai` is not loaded at start (platform/ai-sdks.ts).
  let made: Promise<OpenAI> | undefined;
  const client = () =>
    (made ??= loadOpenAI().then(
      (m) => new m.OpenAI({ apiKey, baseURL: settings.baseUrl, timeout: settings.timeoutMs ?? 5000, maxRetries: 1 }),
    ));
  return {
    available: apiKey !== undefined,
    async detect(text: string): Promise<Finding[]> {
      if (!apiKey || text.trim() === '') return [];
      const response = await (await client()).moderations.create({
        model: settings.model ?? 'omni-moderation-latest',
        input: text,
      });
      const result = response.results[0];
      if (!result?.flagged) return [];
      const categories = Object.entries(result.categories)
        .filter(([, flagged]) => flagged)
        .map(([name]) => name);
      return [
        { kind: `moderation:${categories.join(',')}`, placeholder: '[FLAGGED CONTENT]', start: 0, end: text.length },
      ];
    },
  };
}

export type Moderation = ReturnType<typeof createModeration>;
