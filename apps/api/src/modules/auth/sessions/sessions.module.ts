import type { FastifyInstance } from 'fastify';
import type { PlatformContext } from '../../../platform/context.js';
import { AccessTokenAuthenticator } from './authenticator.js';
import { jwksRoutes } from './jwks.routes.js';
import { AccessTokens, CLOCK_TOLERANCE_SECONDS } from './jwt.js';
import { KeyStore } from './keys/key-store.js';
import { keysetStorageFor } from './keys/keyset-storage.js';
import { SessionRevocations } from './revocation.js';
import { RefreshGrace } from './refresh-grace.js';
import { SessionIssuer } from './session-issuer.js';
import { SessionRevoker } from './session-revoker.js';
import { sessionsRoutes } from './sessions.routes.js';
import { SessionsRepo } from './sessions.repo.js';
import { SessionsService } from './sessions.service.js';

/**
 * Sessions and their tokens: signing keys, access JWTs, refresh-token families, the revoked-session
 * list every replica checks, and the authenticator the platform's guard verifies callers with.
 * Needs no other module, so it is built first.
 */
export async function createSessionsModule(
  ctx: PlatformContext,
  options: { isSuspended?: (tenantId: string) => boolean } = {},
) {
  const { config, database, ports, metrics } = ctx;
  const auth = config.auth;
  if (config.isProduction && auth.keysetPathIsDefault) {
    throw new Error('NODE_ENV=production refuses generated dev signing keys: set AUTH_KEYSET_PATH or AUTH_KEYSET_JSON');
  }
  const keys = await KeyStore.open(keysetStorageFor(auth), { generateIfMissing: !auth.keyset });
  const tokens = new AccessTokens(
    keys,
    { issuer: auth.issuer, audience: auth.audience, ttlSeconds: auth.accessTokenTtlSeconds },
    metrics,
  );
  const revocations = new SessionRevocations(ports, auth.accessTokenTtlSeconds + CLOCK_TOLERANCE_SECONDS);
  const repo = new SessionsRepo();
  // In-process ports forget revocations on restart: rebuild them from the sessions table.
  await revocations.start(config.redis.url ? undefined : (since) => repo.revokedSince(database.db, since));
  ctx.onShutdown(() => revocations.stop());

  const revoker = new SessionRevoker({ database, sessions: repo, revocations });
  const service = new SessionsService({ database, sessions: repo, revoker, audit: ctx.audit });
  return {
    /** What the platform's auth guard verifies bearer tokens with. */
    authenticator: new AccessTokenAuthenticator(tokens, revocations, options.isSuspended),
    /** Opens sessions and mints their tokens (sign-up, login, refresh, service accounts). */
    issuer: new SessionIssuer({ config, tokens, sessions: repo }),
    /** Ends sessions in the database and on every replica at once. */
    revoker,
    /** The grace window in which a used refresh token answers the same successor (refresh-grace.ts). */
    grace: new RefreshGrace({ ports, pepper: auth.refreshTokenPepper, graceSeconds: auth.refreshReuseGraceSeconds }),
    service,
    /** JWKS, logout and the caller's session list. */
    async register(app: FastifyInstance) {
      await app.register(jwksRoutes(keys, auth.jwksMaxAgeSeconds, metrics));
      await app.register(sessionsRoutes(service));
    },
  };
}

export type SessionsModule = Awaited<ReturnType<typeof createSessionsModule>>;
