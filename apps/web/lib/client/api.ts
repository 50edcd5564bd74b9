import {
  fillPath,
  type HttpMethod,
  type JsonRouteKey,
  type PathParams,
  type RouteBody,
  type RouteKey,
  type RoutePathOf,
  type RouteQuery,
  type RouteResponse,
  type StreamRouteKey,
} from '@agentry/contracts';
import { type BffOptions, bffRaw } from './bff-fetch';

/**
 * The API as the browser calls it (through the BFF, `/bff/api/…` → `/api/v1/…`), typed from the route
 * table in `@agentry/contracts`: a path that is not a route does not compile, and each call's path
 * parameters, query, body and answer are the route's. `api.get('/agents')` gives an `AgentList`;
 * `api.patch('/conversations/:id', { params: { id }, body: { title } })` a `ConversationSummary`.
 */

/** The paths (without `/api/v1`) of the routes among `K` that answer to method `M`. */
export type ApiPath<M extends HttpMethod, K extends RouteKey = RouteKey> = K extends `${M} /api/v1${infer P}`
  ? P
  : never;
/** The route key of a method and a client path. */
export type ApiRoute<M extends HttpMethod, P extends string> = `${M} /api/v1${P}` & RouteKey;

type ParamsOption<K extends RouteKey> = keyof PathParams<RoutePathOf<K>> extends never
  ? { params?: undefined }
  : { params: PathParams<RoutePathOf<K>> };
type BodyOption<K extends RouteKey> = [RouteBody<K>] extends [undefined]
  ? { body?: undefined }
  : undefined extends RouteBody<K>
    ? { body?: RouteBody<K> }
    : { body: RouteBody<K> };
type QueryOption<K extends RouteKey> = [RouteQuery<K>] extends [never]
  ? { query?: undefined }
  : { query?: RouteQuery<K> };

/** What a call to route `K` takes: its path parameters, query and body, and the BFF options. */
export type CallOptions<K extends RouteKey> = Omit<BffOptions, 'method' | 'body'> &
  ParamsOption<K> &
  BodyOption<K> &
  QueryOption<K>;
/** The options argument may be left out when nothing in it is required. */
type OptionsArg<K extends RouteKey> =
  // biome-ignore lint/complexity/noBannedTypes: "nothing required" is exactly `{}` being assignable
  {} extends CallOptions<K> ? [options?: CallOptions<K>] : [options: CallOptions<K>];

/** The BFF URL of a call: the filled path template and the query string (unset values left out). */
export function apiUrl(path: string, params?: Record<string, string>, query?: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null) search.set(name, String(value));
  }
  const qs = search.toString();
  return `/bff/api${fillPath(path, params)}${qs ? `?${qs}` : ''}`;
}

type AnyOptions = Omit<BffOptions, 'method'> & { params?: Record<string, string>; query?: object };

function send(method: HttpMethod, path: string, options: AnyOptions = {}): Promise<Response> {
  const { params, query, ...rest } = options;
  return bffRaw(apiUrl(path, params, query as Record<string, unknown> | undefined), { ...rest, method });
}

async function json<T>(method: HttpMethod, path: string, options?: AnyOptions): Promise<T> {
  const res = await send(method, path, options);
  // 204, and the 202s without a body, answer nothing: the route's response type is then `undefined`.
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

function caller<M extends HttpMethod>(method: M) {
  return <P extends ApiPath<M, JsonRouteKey>>(
    path: P,
    ...[options]: OptionsArg<ApiRoute<M, P>>
  ): Promise<RouteResponse<ApiRoute<M, P>>> => json(method, path, options as AnyOptions | undefined);
}

/** Route keys whose answer is a file to save (exports): the browser follows a link to them. */
type DownloadRouteKey = Exclude<RouteKey, JsonRouteKey | StreamRouteKey>;

export const api = {
  get: caller('GET'),
  post: caller('POST'),
  put: caller('PUT'),
  patch: caller('PATCH'),
  delete: caller('DELETE'),
  /** The BFF URL of a download route, for an `<a href download>`: the browser saves the answer. */
  downloadUrl: <P extends ApiPath<'GET', DownloadRouteKey>>(path: P, ...[options]: OptionsArg<ApiRoute<'GET', P>>) => {
    const o = options as AnyOptions | undefined;
    return apiUrl(path, o?.params, o?.query as Record<string, unknown> | undefined);
  },
  /** Opens a `text/event-stream` route and returns the response whose body the caller reads. */
  stream: <M extends HttpMethod, P extends ApiPath<M, StreamRouteKey>>(
    method: M,
    path: P,
    ...[options]: OptionsArg<ApiRoute<M, P>>
  ): Promise<Response> => send(method, path, options as AnyOptions | undefined),
};
