import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Command } from 'commander';
import { signEnvelope } from '../../modules/auth/accounts/operator-envelope.js';
import { progress } from '../cli-runtime.js';

/** The operator envelope `POST /api/v1/auth/service-accounts/issue` expects, signed. */
export function buildSignedEnvelope(input: {
  account: string;
  tenantId: string;
  scopes: string[];
  keyId: string;
  privateKey: crypto.KeyObject;
  now?: number;
}) {
  const body = JSON.stringify({
    account: input.account,
    tenant_id: input.tenantId,
    scopes: input.scopes,
    nonce: crypto.randomBytes(18).toString('base64url'),
    iat: Math.floor((input.now ?? Date.now()) / 1000),
  });
  return {
    body,
    headers: {
      'content-type': 'application/json',
      'x-operator-key-id': input.keyId,
      'x-operator-signature': signEnvelope(body, input.privateKey),
    },
  };
}

export function registerServiceAccountsCommands(program: Command) {
  const sa = program.command('service-accounts').description('service accounts');
  sa.command('keygen')
    .description(
      'make an operator Ed25519 key pair: the private JWK goes to --out (0600), the public entry for AUTH_OPERATOR_KEYS to stdout',
    )
    .requiredOption('--key-id <id>')
    .requiredOption('--out <file>', 'where to write the private JWK')
    .action((o: { keyId: string; out: string }) => {
      const { privateKey } = crypto.generateKeyPairSync('ed25519');
      const jwk = privateKey.export({ format: 'jwk' });
      fs.writeFileSync(o.out, `${JSON.stringify(jwk)}\n`, { mode: 0o600, flag: 'wx' });
      process.stdout.write(`${JSON.stringify({ [o.keyId]: jwk.x })}\n`);
      progress(`private key written to ${o.out}; add the line above to AUTH_OPERATOR_KEYS`);
    });
  sa.command('issue')
    .description('build and sign an operator envelope, and POST it to --url (or print it with --print)')
    .requiredOption('--account <name>')
    .requiredOption('--tenant <tenant_id>')
    .requiredOption('--scopes <scopes>', 'space or comma separated')
    .requiredOption('--key-id <id>', 'operator key id (as in AUTH_OPERATOR_KEYS)')
    .requiredOption('--key-file <file>', 'the operator private key (JWK)')
    .option('--url <base>', 'API base URL', 'http://127.0.0.1:8000')
    .option('--print', 'print the signed request instead of sending it')
    .action(
      async (o: {
        account: string;
        tenant: string;
        scopes: string;
        keyId: string;
        keyFile: string;
        url: string;
        print?: boolean;
      }) => {
        const privateKey = crypto.createPrivateKey({
          key: JSON.parse(fs.readFileSync(o.keyFile, 'utf8')),
          format: 'jwk',
        });
        const envelope = buildSignedEnvelope({
          account: o.account,
          tenantId: o.tenant,
          scopes: o.scopes.split(/[\s,]+/).filter(Boolean),
          keyId: o.keyId,
          privateKey,
        });
        if (o.print) {
          process.stdout.write(`${JSON.stringify(envelope, null, 2)}\n`);
          return;
        }
        const res = await fetch(new URL('/api/v1/auth/service-accounts/issue', o.url), {
          method: 'POST',
          headers: envelope.headers,
          body: envelope.body,
        });
        const text = await res.text();
        if (!res.ok) throw new Error(`the server answered ${res.status}: ${text}`);
        process.stdout.write(`${text}\n`);
        progress('store the refresh_token now: it is shown once');
      },
    );
}
