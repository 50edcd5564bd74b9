import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import Provider from 'oidc-provider';

/** Who the next sign-in at the provider is (its interaction logs this account in without a form). */
export interface IdpAccount {
  sub: string;
  email: string;
  email_verified: boolean;
}

/**
 * A real OpenID provider (`oidc-provider`) on a random loopback port, for SSO tests. One
 * confidential client (`client_secret_post`, PKCE required). Its login interaction signs in
 * `idp.nextAccount` at once and consent is pre-granted, so a test drives the whole code flow with
 * plain HTTP requests, following redirects by hand (`idp.follow`).
 */
export async function startOidcProvider(options: { clientId: string; clientSecret: string; redirectUri: string }) {
  const accounts = new Map<string, IdpAccount>();
  const state: { nextAccount: IdpAccount | null } = { nextAccount: null };
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: [options.redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'] },
    cookies: { keys: [crypto.randomBytes(16).toString('hex')] },
    features: { devInteractions: { enabled: false } },
    pkce: { required: () => true },
    findAccount: async (_ctx, sub) => {
      const account = accounts.get(sub);
      if (!account) return undefined;
      return { accountId: sub, claims: async () => ({ ...account }) };
    },
    // Consent is pre-granted: the flow goes straight from login back to the client.
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId!,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  });
  const handler = provider.callback();
  server.on('request', async (req, res) => {
    try {
      // Loopback control for the browser journey's separate process: who signs in next.
      if (req.url === '/__e2e/next-account' && req.method === 'POST') {
        let body = '';
        for await (const chunk of req) body += chunk;
        state.nextAccount = JSON.parse(body) as IdpAccount;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"ok":true}');
        return;
      }
      if (req.url?.startsWith('/interaction/')) {
        const account = state.nextAccount;
        if (!account) throw new Error('no account set for the next sign-in');
        accounts.set(account.sub, account);
        await provider.interactionDetails(req, res);
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: account.sub } },
          { mergeWithLastSubmission: false },
        );
        return;
      }
      handler(req, res);
    } catch (err) {
      res.statusCode = 500;
      res.end(String(err));
    }
  });

  const jar = new Map<string, string>();
  return {
    issuer,
    state,
    /**
     * Requests `url` at the provider with its cookies and follows its redirects until one leaves
     * the provider; returns that URL (the client's callback with `code` and `state`).
     */
    async follow(url: string): Promise<URL> {
      let next = new URL(url);
      for (let hop = 0; hop < 10; hop += 1) {
        if (next.origin !== issuer) return next;
        const res = await fetch(next, {
          redirect: 'manual',
          headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') },
        });
        for (const c of res.headers.getSetCookie()) {
          const [pair] = c.split(';');
          const eq = pair.indexOf('=');
          jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
        }
        const location = res.headers.get('location');
        if (!location) throw new Error(`the provider answered ${res.status} without a redirect: ${await res.text()}`);
        next = new URL(location, next);
      }
      throw new Error('too many redirects at the provider');
    },
    /** Forgets the provider's session cookies (the next sign-in logs in again). */
    resetSession() {
      jar.clear();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A hand-rolled OpenID provider (discovery, JWKS, token endpoint; no authorization page) whose
 * token endpoint signs whatever ID token claims the test asks for, with `jose`: for the ID-token
 * attacks oidc-provider would never produce (wrong nonce or audience, expired, unverified e-mail).
 */
export async function startHandRolledIdp() {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const control: {
    /** The ID token's claims, given the nonce of the authorization request. */
    claims: (nonce: string) => Record<string, unknown>;
    /** Sign with this key instead (an attacker's key). */
    signingKey?: CryptoKey;
    nonce: string;
  } = { claims: () => ({}), nonce: '' };
  server.on('request', (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/openid-configuration')
      return send(200, {
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: ['RS256'],
        code_challenge_methods_supported: ['S256'],
      });
    if (req.url === '/jwks') return send(200, { keys: [jwk] });
    if (req.url === '/token' && req.method === 'POST') {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', async () => {
        const form = new URLSearchParams(body);
        if (!form.get('code_verifier')) return send(400, { error: 'invalid_grant' });
        const claims = control.claims(control.nonce);
        const idToken = await new SignJWT(claims)
          .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
          .sign(control.signingKey ?? privateKey);
        send(200, { access_token: 'at', token_type: 'Bearer', expires_in: 60, id_token: idToken });
      });
      return;
    }
    send(404, { error: 'not_found' });
  });
  return {
    issuer,
    control,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
