import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { maskFindings } from './finding.js';
import { detectSecrets } from './secrets.js';

// Real-looking keys are assembled at run time so that no key-shaped literal sits in the repository.
const alnum = (n: number) =>
  randomBytes(n * 2)
    .toString('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, n);
const upper = (n: number) =>
  alnum(n * 3)
    .toUpperCase()
    .replace(/[^A-Z2-7]/g, '')
    .slice(0, n);
const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();

const positives: [string, string][] = [
  ['an AWS access key id', `AKIA${upper(16)}`],
  ['an AWS secret access key', `aws_secret_access_key = "${alnum(40)}"`],
  ['an OpenAI project key', `sk-proj-${alnum(48)}`],
  ['an OpenAI legacy key', `sk-${alnum(20)}T3BlbkFJ${alnum(20)}`],
  ['a Stripe secret key', `sk_live_${alnum(24)}`],
  ['a Stripe restricted key', `rk_test_${alnum(24)}`],
  ['a Stripe webhook secret', `whsec_${alnum(32)}`],
  ['a GitHub token', `ghp_${alnum(36)}`],
  ['a GitHub fine-grained token', `github_pat_${alnum(22)}_${alnum(59)}`],
  ['a Slack bot token', `xoxb-${'1'.repeat(12)}-${'2'.repeat(13)}-${alnum(24)}`],
  ['a Google API key', `AIza${alnum(35)}`],
  ['a JWT', `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.${alnum(43)}`],
  ['a PEM private key', pem],
  ['a database URL with a password', 'postgres://admin:hunter2pass@db.example.com:5432/prod'],
];

describe('secrets detector', () => {
  it.each(positives)('finds %s', async (_label, secret) => {
    const text = `here it is: ${secret} — keep it safe`;
    const findings = await detectSecrets(text);
    expect(findings.length).toBeGreaterThan(0);
    const masked = maskFindings(text, findings);
    expect(masked).not.toContain(secret.trim().slice(-12));
    expect(masked.startsWith('here it is: [')).toBe(true);
  });

  it.each([
    ['random base64 of a key length', alnum(40)],
    ['a UUID', '0b6f6a3e-2f1a-4c1e-9a57-3c2d5e7f8a9b'],
    ['a sha256 digest', 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'],
    ['a short sk- word', 'the sk-8 skating team'],
    ['a lower-case akia', `akia${upper(16).toLowerCase()}`],
    ['a Stripe publishable key', `pk_live_${alnum(24)}`],
    ['a URL without a password', 'https://user@example.com/path and postgres://db.example.com/prod'],
    ['a JWT-like word', 'eyJ is how JSON starts in base64'],
    ['prose about keys', 'Rotate your API key every 90 days and never paste a private key into chat.'],
  ])('ignores %s', async (_label, text) => {
    expect(await detectSecrets(text)).toEqual([]);
  });
});
