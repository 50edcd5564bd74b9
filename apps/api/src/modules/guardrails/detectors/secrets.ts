import { type Finding, findAll } from './finding.js';

/** secretlint, imported by the first message that may hold a secret: a start never pays for it. */
const secretlint = async () => {
  const [{ lintSource }, { creator }] = await Promise.all([
    import('@secretlint/core'),
    import('@secretlint/secretlint-rule-preset-recommend'),
  ]);
  return { lintSource, recommendedRules: creator };
};

/**
 * Credentials in free text. The vendor formats come from secretlint's maintained recommended preset
 * (AWS secret keys, GCP service-account keys, GitHub, Slack, npm, SendGrid, Anthropic, OpenAI's legacy
 * keys, private keys in PEM, basic-auth and database URLs with passwords). The preset misses formats
 * a chat product sees every day, so a short supplement covers them: AWS access key ids, OpenAI's
 * project/service-account keys, Stripe secret/restricted/webhook keys, GitHub fine-grained tokens,
 * Google API keys and JWTs. Every supplement pattern is anchored on a vendor prefix, so random strings
 * of the same length do not match.
 */
export async function detectSecrets(text: string): Promise<Finding[]> {
  const supplement = SUPPLEMENT.flatMap(([kind, pattern]) => findAll(text, pattern, kind));
  if (!MAYBE_SECRET.test(text)) return supplement;
  const { lintSource, recommendedRules } = await secretlint();
  const result = await lintSource({
    source: { content: text, filePath: 'message.txt', ext: '.txt', contentType: 'text' },
    options: { config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: recommendedRules }] } },
  });
  const fromPreset = result.messages.map(
    (message): Finding => ({
      kind: 'secret',
      placeholder: '[SECRET]',
      start: message.range[0],
      end: toEndOfToken(text, message.range[1]),
    }),
  );
  return [...supplement, ...fromPreset];
}

/**
 * Some preset rules report a range that starts at the key's name and stops short of the value's
 * end (the AWS secret-key rule): masking must never leave a tail of the secret behind.
 */
function toEndOfToken(text: string, end: number): number {
  let cursor = end;
  while (cursor < text.length && /[A-Za-z0-9+/=_.-]/.test(text[cursor] ?? '')) cursor++;
  return cursor;
}

const SUPPLEMENT: ReadonlyArray<readonly [string, RegExp]> = [
  ['aws_access_key', /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{16}\b/g],
  ['openai_key', /\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}\b/g],
  ['openai_key', /\bsk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}\b/g],
  ['stripe_key', /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g],
  ['stripe_key', /\bwhsec_[A-Za-z0-9+/=]{24,}/g],
  ['github_token', /\bgithub_pat_[A-Za-z0-9_]{60,}\b/g],
  ['google_api_key', /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g],
  ['jwt', /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}/g],
  ['private_key', /-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----[\s\S]*?(?:-----END (?:[A-Z]+ )?PRIVATE KEY-----|$)/g],
];

/**
 * The preset's rules all need one of these shapes; most chat messages have none, and skipping the
 * preset for them keeps the common case at a regex scan (measured in bench/guardrails).
 */
const MAYBE_SECRET =
  /[A-Za-z0-9+/]{20}|-----BEGIN|:\/\/[^\s/@]+:[^\s/@]+@|\b(?:xox[abposr]|gh[pousr]_|npm_|SG\.|sk-ant-)/;
