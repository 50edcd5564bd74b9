// A real OpenID provider (oidc-provider) as its own process, for the browser journey
// apps/web/e2e/features/sso.mjs: `tsx oidc-idp-server.ts` with OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and
// OIDC_REDIRECT_URI; prints `{"issuer": …}` on one line. `POST /__e2e/next-account` {sub, email,
// email_verified} says who the next sign-in is (its login interaction signs that account in at once).
import { startOidcProvider } from './oidc-idp.js';

const idp = await startOidcProvider({
  clientId: process.env.OIDC_CLIENT_ID ?? 'agentry-e2e',
  clientSecret: process.env.OIDC_CLIENT_SECRET ?? 'agentry-e2e-secret',
  redirectUri: process.env.OIDC_REDIRECT_URI ?? 'http://127.0.0.1:8000/api/v1/auth/sso/callback',
});
process.stdout.write(`${JSON.stringify({ issuer: idp.issuer })}\n`);
const stop = () => {
  void idp.close().then(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
