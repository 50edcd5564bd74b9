import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../../../test/support/fake-openai.js';
import { createModeration } from './moderation.js';

describe('moderation detector (OpenAI moderation wire format)', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ moderate: (input) => (/\bhurt\b/.test(input) ? ['violence'] : []) });
  });
  afterAll(() => fake.close());

  it('flags what the endpoint flags, naming the categories', async () => {
    const moderation = createModeration({ apiKey: 'test-key', baseUrl: fake.baseURL });
    expect(moderation.available).toBe(true);
    const text = 'I will hurt them';
    expect(await moderation.detect(text)).toEqual([
      { kind: 'moderation:violence', placeholder: '[FLAGGED CONTENT]', start: 0, end: text.length },
    ]);
    expect(await moderation.detect('a kind note')).toEqual([]);
  });

  it('is unavailable without a key', async () => {
    const moderation = createModeration({});
    expect(moderation.available).toBe(false);
    expect(await moderation.detect('I will hurt them')).toEqual([]);
  });
});
