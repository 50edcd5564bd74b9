import { eq } from 'drizzle-orm';
import fc from 'fast-check';
import { logIn, signUp } from '../factories.js';
import { startBillingRig } from '../support/billing-rig.js';
import { users } from '../../src/modules/auth/accounts/accounts.tables.js';
import { anyRequest, operationsOf, type FuzzRequest } from './openapi-requests.js';

/**
 * The whole app with billing on (against the fake Stripe), an owner and a platform operator signed
 * in, and a fuzzer over its OpenAPI document. A 5xx answer is a failure; fast-check shrinks it and
 * reports the seed and path that reproduce it.
 */
export async function startFuzzTarget() {
  const rig = await startBillingRig({
    RATE_LIMIT_LOGIN_PER_IP_PER_MINUTE: '0',
    RATE_LIMIT_SHARED_READ_PER_IP_PER_MINUTE: '0',
  });
  const db = rig.test.database.db;
  /** The signed-in identities the generated requests use (`@0` owner, `@1` platform operator). */
  const makeOwner = () => signUp(rig.app);
  const makeOperator = async () => {
    const op = await signUp(rig.app, { tenant_name: 'Operations' });
    await db.update(users).set({ isOperator: true }).where(eq(users.email, op.email));
    return logIn(rig.app, op);
  };
  const identities = [
    { make: makeOwner, user: await makeOwner() },
    { make: makeOperator, user: await makeOperator() },
  ];
  const doc = (await rig.app.inject({ method: 'GET', url: '/docs/json' })).json();
  const ops = operationsOf(doc);
  const pools = {
    ids: identities.flatMap((i) => [i.user.session.tenant_id, i.user.session.user_id]),
    tokens: identities.map((_, i) => `@${i}`),
  };
  /**
   * A generated request may end its own session (logout, a revoked session, a suspended tenant):
   * after a write, each identity still signed in keeps its token; one that is not gets a new one.
   */
  const keepSignedIn = async () => {
    for (const identity of identities) {
      const me = await rig.app.inject({ method: 'GET', url: '/api/v1/auth/me', headers: identity.user.headers });
      if (me.statusCode === 200) continue;
      identity.user = await logIn(rig.app, identity.user).catch(() => identity.make());
    }
  };
  const failures: Array<{ request: FuzzRequest; status: number; body: string }> = [];
  const send = async (request: FuzzRequest) => {
    const headers = { ...request.headers };
    const token = /^Bearer @(\d)$/.exec(headers.authorization ?? '');
    if (token) headers.authorization = identities[Number(token[1])].user.headers.authorization;
    const res = await rig.app.inject({
      method: request.method as 'GET',
      url: request.url,
      headers,
      ...(request.payload !== undefined ? { payload: request.payload } : {}),
    });
    if (request.method !== 'GET') await keepSignedIn();
    return res;
  };
  return {
    operations: ops,
    failures,
    /** Runs `numRuns` generated requests; throws fast-check's report (seed, path, counterexample) on a 5xx. */
    async run(numRuns: number, seed: number) {
      const counts = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(anyRequest(ops, pools), async (request) => {
          const res = await send(request);
          counts.set(res.statusCode, (counts.get(res.statusCode) ?? 0) + 1);
          if (res.statusCode >= 500) {
            failures.push({ request, status: res.statusCode, body: res.body.slice(0, 500) });
            throw new Error(`${request.operation} → ${res.statusCode}: ${res.body.slice(0, 300)}`);
          }
        }),
        { numRuns, seed, endOnFailure: false },
      );
      return counts;
    },
    close: () => rig.close(),
  };
}
