import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { API_ROUTES, type RouteKey, type RouteSpec } from '@agentry/contracts';
import { type DeclaredRoute, declaredRoutes } from './platform/http/auth-guard.js';
import { createTestApp, type TestApp } from '../test/harness.js';

/**
 * The route table in `@agentry/contracts` is what the web client derives its calls from: this test
 * fails when the app and the table disagree (a route missing on either side, another method, path
 * or auth, or a schema of another shape), so a path and its types cannot drift apart.
 * Adding a route: packages/contracts/README.md.
 */

/** Registered routes outside `/api/` that no client derives from the table (operations, webhooks). */
const OUTSIDE_THE_TABLE = [
  'GET /health',
  'GET /health/ready',
  'GET /metrics',
  'GET /.well-known/jwks.json',
  'POST /webhooks/stripe',
];

let t: TestApp;
let registered: Map<string, DeclaredRoute>;
const table = API_ROUTES as Record<RouteKey, RouteSpec>;
const tableKeys = Object.keys(table) as RouteKey[];

beforeAll(async () => {
  t = await createTestApp();
  registered = new Map(declaredRoutes(t.app).map((r) => [`${r.method} ${r.url}`, r]));
});
afterAll(async () => t?.close());

/** A schema's shape as JSON Schema, so two equal schemas built separately compare equal. */
function shapeOf(schema: unknown, io: 'input' | 'output'): unknown {
  if (schema === undefined || schema === null) return null;
  if (!(schema instanceof z.ZodType)) return schema; // a plain JSON Schema compares as it is
  return z.toJSONSchema(schema, { io, unrepresentable: 'any' });
}

/**
 * The schema of the route's success answer (its only 2xx entry, apart from the table's
 * `alternative` one), if it declares one.
 */
function successSchema(route: DeclaredRoute, alternative?: number): { status: number; schema: unknown } | null {
  const response = (route.schema?.response ?? {}) as Record<string, unknown>;
  const statuses = Object.keys(response).filter((s) => /^2\d\d$/.test(s) && Number(s) !== alternative);
  if (statuses.length > 1) throw new Error(`${route.method} ${route.url} declares several 2xx answers`);
  return statuses[0] ? { status: Number(statuses[0]), schema: response[statuses[0]] } : null;
}

describe('the contracts route table and the routes the app registers', () => {
  it('every route in the table is registered with the same method and path', () => {
    const missing = tableKeys.filter((key) => !registered.has(key));
    expect(missing, 'in the table but not registered by the app').toEqual([]);
  });

  it('every registered /api/ route is in the table; the others are the known operational ones', () => {
    const notInTable = [...registered.keys()].filter((key) => !(key in table));
    const apiRoutes = notInTable.filter((key) => key.split(' ')[1]?.startsWith('/api/'));
    expect(apiRoutes, 'registered but not in packages/contracts/src/routes.ts (see its README)').toEqual([]);
    expect(notInTable.sort(), 'registered outside /api/ (add to OUTSIDE_THE_TABLE if intended)').toEqual(
      [...OUTSIDE_THE_TABLE].sort(),
    );
  });

  it('each route declares the auth the table says', () => {
    const differing = tableKeys
      .filter((key) => registered.has(key) && registered.get(key)?.auth !== table[key].auth)
      .map((key) => `${key}: table ${table[key].auth}, app ${registered.get(key)?.auth}`);
    expect(differing).toEqual([]);
  });

  it('each route validates its params, query and body with schemas of the shape the table gives', () => {
    const differing: string[] = [];
    for (const key of tableKeys) {
      const route = registered.get(key);
      if (!route) continue;
      const spec = table[key];
      const declared = route.schema ?? {};
      const pairs = [
        ['params', spec.params, declared.params],
        ['query', spec.query, declared.querystring],
        ['body', spec.body, declared.body],
      ] as const;
      for (const [part, mine, theirs] of pairs) {
        if (JSON.stringify(shapeOf(mine, 'input')) !== JSON.stringify(shapeOf(theirs, 'input'))) {
          differing.push(`${key} ${part}`);
        }
      }
    }
    expect(differing).toEqual([]);
  });

  it('each route answers with the status and body schema the table gives (none for empty and stream answers)', () => {
    const differing: string[] = [];
    for (const key of tableKeys) {
      const route = registered.get(key);
      if (!route) continue;
      const spec = table[key];
      const success = successSchema(route, spec.alternative?.status);
      if (spec.alternative) {
        const declared = (route.schema?.response as Record<string, unknown> | undefined)?.[spec.alternative.status];
        if (
          JSON.stringify(shapeOf(spec.alternative.response, 'output')) !== JSON.stringify(shapeOf(declared, 'output'))
        ) {
          differing.push(`${key}: the ${spec.alternative.status} alternative's body shape`);
        }
      }
      if (spec.stream) {
        // A stream's 200 may only name its media type (for the OpenAPI document), never a JSON body.
        const content = (success?.schema as { content?: Record<string, unknown> } | undefined)?.content;
        if (success && !content?.['text/event-stream']) differing.push(`${key}: a stream route with a JSON body`);
        continue;
      }
      if (!spec.response) {
        if (success) differing.push(`${key}: the app declares a ${success.status} body the table lacks`);
        continue;
      }
      if (!success) {
        differing.push(`${key}: the table gives a body the app does not declare`);
        continue;
      }
      if (success.status !== (spec.status ?? 200)) {
        differing.push(`${key}: status ${success.status} in the app, ${spec.status ?? 200} in the table`);
      }
      if (JSON.stringify(shapeOf(spec.response, 'output')) !== JSON.stringify(shapeOf(success.schema, 'output'))) {
        differing.push(`${key}: response body shape`);
      }
    }
    expect(differing).toEqual([]);
  });

  it('the comparison sees a difference in shape (it is not vacuous)', () => {
    const route = registered.get('GET /api/v1/agents');
    const answer = route && successSchema(route);
    expect(answer?.schema).toBeDefined();
    const other = API_ROUTES['GET /api/v1/tools'].response;
    expect(JSON.stringify(shapeOf(answer?.schema, 'output'))).not.toBe(JSON.stringify(shapeOf(other, 'output')));
    expect(JSON.stringify(shapeOf(answer?.schema, 'output'))).toBe(
      JSON.stringify(shapeOf(API_ROUTES['GET /api/v1/agents'].response, 'output')),
    );
  });
});
