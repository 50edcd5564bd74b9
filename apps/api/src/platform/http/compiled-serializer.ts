import fastJson from 'fast-json-stringify';
import { serializerCompiler as zodSerializerCompiler } from 'fastify-type-provider-zod';
import { z } from 'zod';

/**
 * A response serializer compiled once from the route's zod schema (its JSON Schema, the one the
 * OpenAPI document shows) with `fast-json-stringify`, for hot read routes: the default zod
 * serializer re-validates every response field by field (UUID and timestamp patterns included)
 * before `JSON.stringify`, which cost more than the rest of the serialization on the
 * conversations list. Like the zod serializer it writes only the schema's properties (a field a
 * handler adds by mistake never reaches the client) and fails on a missing required one; unlike
 * it, it does not check string formats, so use it where the handler builds each field itself.
 * A schema JSON Schema cannot express (transforms, codecs) keeps the zod serializer.
 */
export function compiledSerializerCompiler(route: {
  schema: unknown;
  method: string;
  url: string;
  httpStatus?: string;
}): (data: unknown) => string {
  // Compiled on the route's first response, not at start: compiling every such route's
  // serializer while the routes were registered was ~5 % of a cold start (docs/performance.md).
  let serialize: ((data: unknown) => string) | undefined;
  return (data) => {
    serialize ??= compile(route);
    return serialize(data);
  };
}

function compile(route: { schema: unknown; method: string; url: string; httpStatus?: string }) {
  let jsonSchema: unknown;
  try {
    jsonSchema = z.toJSONSchema(route.schema as z.ZodType, {
      io: 'output',
      target: 'draft-7',
      unrepresentable: 'throw',
    });
  } catch {
    return zodSerializerCompiler({ ...route, schema: route.schema as z.ZodType });
  }
  return fastJson(allowingExtraProperties(jsonSchema) as Parameters<typeof fastJson>[0]);
}

/**
 * Zod's JSON Schema closes every object (`additionalProperties: false`). fast-json-stringify writes
 * only declared properties either way, but it picks the branch of an `anyOf` (a nullable object, a
 * union) by validating the value against it: a closed branch refused an object carrying one extra
 * field, and the response failed with a 500 instead of leaving the field out.
 */
function allowingExtraProperties(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(allowingExtraProperties);
  if (!schema || typeof schema !== 'object') return schema;
  const open: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'additionalProperties' && value === false) continue;
    open[key] = allowingExtraProperties(value);
  }
  return open;
}
