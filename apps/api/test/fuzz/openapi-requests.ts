import fc from 'fast-check';

/**
 * Requests generated from the server's own OpenAPI document (`/docs/json`): every operation, with
 * path parameters, query strings, headers, tokens and bodies that are sometimes valid (to reach the
 * handlers) and often hostile (wrong types, malformed JSON, huge or odd strings, prototype keys).
 */

type Schema = Record<string, any>;
export interface Operation {
  method: string;
  path: string;
  parameters: Array<{ name: string; in: string; required?: boolean; schema?: Schema }>;
  body?: Schema;
  bodyType?: string;
  /** Answers text/event-stream: only sent when it cannot hold the response open forever. */
  streams: boolean;
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string;
  operation: string;
}

export function operationsOf(doc: { paths: Record<string, Record<string, any>> }): Operation[] {
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
      const content = op.requestBody?.content ?? {};
      const bodyType = Object.keys(content)[0];
      ops.push({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        body: bodyType ? content[bodyType].schema : undefined,
        bodyType,
        streams: JSON.stringify(op.responses ?? {}).includes('text/event-stream'),
      });
    }
  }
  return ops;
}

/** Strings that have broken servers before. */
const HOSTILE_STRINGS = [
  '',
  ' ',
  '0',
  '-1',
  '1e309',
  'NaN',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '../../etc/passwd',
  '%00',
  '\u0000',
  '\uFFFF',
  '\uD800',
  '😀'.repeat(50),
  "' OR 1=1 --",
  '"; drop table users; --',
  '<script>alert(1)</script>',
  '${jndi:ldap://x}',
  '__proto__',
  'constructor',
  'a'.repeat(10_000),
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
  '9007199254740993',
  '1970-01-01T00:00:00Z',
  '9999-12-31T23:59:59.999Z',
  'x'.repeat(101),
];

const hostileString = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
);

const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.constant({ __proto__: { admin: true } }),
  fc.constant(JSON.parse('{"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}')),
  fc.constant(Array.from({ length: 2000 }, (_, i) => i)),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A value for `schema`: valid most of the time, hostile otherwise. */
export function schemaValue(schema: Schema | undefined, pools: Pools, depth = 0): fc.Arbitrary<unknown> {
  if (!schema || depth > 4) return hostileJson;
  const valid = validSchemaValue(schema, pools, depth);
  return fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: hostileJson, weight: 1 });
}

function validSchemaValue(schema: Schema, pools: Pools, depth: number): fc.Arbitrary<unknown> {
  const variants = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(variants) && variants.length)
    return fc.oneof(...variants.map((s: Schema) => schemaValue(s, pools, depth + 1)));
  if (schema.enum) return fc.constantFrom(...(schema.enum as unknown[]));
  if (schema.const !== undefined) return fc.constant(schema.const);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'object': {
      const props = Object.entries((schema.properties ?? {}) as Record<string, Schema>);
      const required = new Set<string>(schema.required ?? []);
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, s] of props) record[k] = schemaValue(s, pools, depth + 1);
      const requiredKeys = props.map(([k]) => k).filter((k) => required.has(k));
      return fc.record(record, { requiredKeys });
    }
    case 'array':
      return fc.array(schemaValue(schema.items, pools, depth + 1), { maxLength: Math.min(schema.maxItems ?? 5, 5) });
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -10, max: Math.min(schema.maximum ?? 1000, 1_000_000) });
    case 'number':
      return fc.double({ min: schema.minimum ?? -10, max: schema.maximum ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'string':
      if (schema.format === 'uuid') return fc.oneof(fc.constantFrom(...pools.ids), fc.uuid());
      if (schema.format === 'email') return fc.emailAddress();
      if (schema.format === 'date-time') return fc.date({ noInvalidDate: true }).map((d) => d.toISOString());
      if (schema.format === 'uri') return fc.webUrl();
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 30, 60) });
    default:
      return hostileJson;
  }
}

export interface Pools {
  /** Ids that exist (tenant, user, …), so handlers get past "not found" sometimes. */
  ids: string[];
  /** Valid access tokens (an owner, an operator…): requests with them reach the handlers. */
  tokens: string[];
}

function tokenHeader(pools: Pools): fc.Arbitrary<Record<string, string>> {
  const garbageJwt = fc
    .tuple(fc.base64String({ maxLength: 40 }), fc.base64String({ maxLength: 80 }), fc.base64String({ maxLength: 40 }))
    .map((parts) => parts.join('.'));
  // alg "none" with an operator-looking claim set: must never be accepted.
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from('{"sub":"00000000-0000-0000-0000-000000000000","scope":"*"}').toString('base64url')}.`;
  return fc.oneof(
    { arbitrary: fc.constant({}), weight: 1 },
    { arbitrary: fc.constantFrom(...pools.tokens).map((t) => ({ authorization: `Bearer ${t}` })), weight: 5 },
    {
      arbitrary: fc.oneof(garbageJwt, hostileString, fc.constant(none)).map((t) => ({ authorization: `Bearer ${t}` })),
      weight: 1,
    },
    { arbitrary: hostileString.map((t) => ({ authorization: t })), weight: 1 },
  );
}

const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.record(
  {
    'last-event-id': fc.oneof(fc.constantFrom('0', '1', '-1', '999999999999999999999', 'abc', '1-0'), hostileString),
    'x-forwarded-for': fc.oneof(fc.ipV4(), fc.ipV6(), hostileString),
    accept: fc.constantFrom('application/json', 'text/event-stream', '*/*', 'text/html', ''),
    'accept-language': hostileString,
    'idempotency-key': hostileString,
  },
  { requiredKeys: [] },
);

/** Lone surrogates replaced (encodeURIComponent throws on them; String#toWellFormed is Node 20+ only in ES2024 typings). */
const wellFormed = (v: string) =>
  v.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');

/** Only strings a header may carry (the HTTP client refuses control characters and non-Latin-1). */
const headerSafe = (v: string) => v.replace(/[^\x20-\x7e]/g, '').slice(0, 4000);

export function requestOf(op: Operation, pools: Pools): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const pathValues = fc.tuple(
    ...pathParams.map((p) =>
      fc.oneof(
        { arbitrary: validSchemaValue(p.schema ?? { type: 'string' }, pools, 0), weight: 4 },
        { arbitrary: hostileString, weight: 1 },
      ),
    ),
  );
  const query = fc.record(
    Object.fromEntries([
      ...queryParams.map((p) => [p.name, schemaValue(p.schema, pools)] as const),
      ['unknown_param', hostileJson] as const,
    ]),
    { requiredKeys: [] },
  );
  const body: fc.Arbitrary<string | undefined> = op.body
    ? fc.oneof(
        { arbitrary: schemaValue(op.body, pools).map((v) => JSON.stringify(v)), weight: 6 },
        {
          arbitrary: fc.constantFrom(
            '{',
            '{"a":',
            'null',
            '"just a string"',
            '[1,2,3]',
            '{"message":"x"}'.repeat(3),
            `${'['.repeat(5000)}${']'.repeat(5000)}`,
            '\u0000',
            '',
          ),
          weight: 2,
        },
        { arbitrary: fc.constant(undefined), weight: 1 },
      )
    : fc.oneof(
        { arbitrary: fc.constant(undefined), weight: 4 },
        { arbitrary: fc.constant('{"unexpected":true}'), weight: 1 },
      );
  const contentType = fc.oneof(
    { arbitrary: fc.constant(op.bodyType ?? 'application/json'), weight: 6 },
    {
      arbitrary: fc.constantFrom(
        'text/plain',
        'multipart/form-data',
        'application/x-www-form-urlencoded',
        'application/json; charset=utf-16',
      ),
      weight: 1,
    },
  );
  return fc
    .record({ pathValues, query, body, contentType, token: tokenHeader(pools), extra: extraHeaders })
    .filter(
      // An event stream answered to a valid token never ends by itself (billing): keep those for the cluster test.
      (r) =>
        !(
          op.streams &&
          op.method === 'GET' &&
          !op.path.includes('{') &&
          r.token.authorization &&
          pools.tokens.some((t) => r.token.authorization === `Bearer ${t}`)
        ),
    )
    .map((r) => {
      let url = op.path;
      pathParams.forEach((p, i) => {
        url = url.replace(`{${p.name}}`, encodeURIComponent(wellFormed(String(r.pathValues[i]))));
      });
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(r.query))
        qs.append(k, wellFormed(typeof v === 'string' ? v : (JSON.stringify(v) ?? '')));
      const search = qs.toString();
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries({ ...r.extra, ...r.token })) headers[k] = headerSafe(String(v));
      if (r.body !== undefined) headers['content-type'] = r.contentType;
      return {
        method: op.method,
        url: search ? `${url}?${search}` : url,
        headers,
        payload: r.body,
        operation: `${op.method} ${op.path}`,
      };
    });
}

/** Any operation of the document, with a request for it. */
export function anyRequest(ops: Operation[], pools: Pools): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(...ops.map((op) => requestOf(op, pools)));
}
