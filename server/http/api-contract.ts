/**
 * The API's contract, declared where each route is: who may call it, the zod schemas its params,
 * query and body are read with, and what it answers per status. One declaration serves three
 * ends, so none can drift from the others: the route reads its input with these schemas, the
 * OpenAPI 3.1 document (`GET /api/openapi.json`) is generated from them, and the response check
 * holds every JSON answer to them (a test in the suite for every route a test calls).
 */
import { STATUS_CODES } from 'node:http';
import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import type { Application, Request, RequestHandler, Response, Router } from 'express';
import { z, type ZodTypeAny } from 'zod';

// The generator reads its metadata from a method zod does not have until this adds it.
extendZodWithOpenApi(z);

/** Who may call a route; the route's guard (requireAuth, requireDevice, a signed URL) enforces it. */
export type Caller = 'anyone' | 'user' | 'device' | 'signed_url';
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** An answer that is not JSON (a playlist, a segment, a file): its media type, in words. */
export interface Media {
  mediaType: string;
  description: string;
}
export const media = (mediaType: string, description: string): Media => ({ mediaType, description });

/** An answer without a body (204, a redirect): what it means, in words. */
export interface NoBody {
  noBody: string;
}
export const noBody = (description: string): NoBody => ({ noBody: description });

type Answer = ZodTypeAny | Media | NoBody;

/** Every refusal and error, whichever route: error-status.ts writes it, party-routes adds `reason`. */
export const errorBodySchema = z
  .object({
    error: z.string().describe('a code: invalid_input, forbidden, <what>_not_found, …'),
    message: z.string().optional().describe('why, in words, for refusals that explain themselves'),
    reason: z.string().optional().describe("a party's own refusal reason (room_not_open, window_closed, …)"),
    retryAfterSeconds: z.number().int().optional(),
  })
  .strict();

/** `{}`: the act was done and there is nothing more to say. */
export const doneSchema = z.object({}).strict();

type Schema = ZodTypeAny | undefined;
type Output<S extends Schema> = S extends ZodTypeAny ? z.output<S> : undefined;

export interface RouteSpec<P extends Schema, Q extends Schema, B extends Schema> {
  method: Method;
  /** as the router mounts it, express syntax (`/cases/:id`) */
  path: string;
  summary: string;
  caller: Caller;
  /** the middleware that establishes the caller, run before the handler */
  guard?: RequestHandler | RequestHandler[];
  params?: P;
  query?: Q;
  body?: B;
  /** success answers; any status from 400 up answers errorBodySchema unless named here */
  responses: Record<number, Answer>;
}

/**
 * The request as its schemas read it. Each part is parsed when the handler first reads it, so the
 * route keeps the order of its checks (the policy's refusal before a complaint about input), and
 * services that audit their own input refusals are still handed the raw body.
 */
export interface Input<P extends Schema, Q extends Schema, B extends Schema> {
  readonly params: Output<P>;
  readonly query: Output<Q>;
  readonly body: Output<B>;
}

type Handler<P extends Schema, Q extends Schema, B extends Schema> = (input: Input<P, Q, B>, req: Request, res: Response) => Promise<void> | void;

/** A route's declaration as the document and the response check see it. */
type Declared = RouteSpec<Schema, Schema, Schema>;

const DECLARED = Symbol('liuhen.declared');
const LOCALS_KEY = 'liuhenContract';

function inputOf<P extends Schema, Q extends Schema, B extends Schema>(spec: RouteSpec<P, Q, B>, req: Request): Input<P, Q, B> {
  const parsed = new Map<string, unknown>();
  const read = (part: 'params' | 'query' | 'body', schema: Schema) => {
    if (!parsed.has(part)) parsed.set(part, schema?.parse(req[part] ?? {}));
    return parsed.get(part);
  };
  return {
    get params() {
      return read('params', spec.params) as Output<P>;
    },
    get query() {
      return read('query', spec.query) as Output<Q>;
    },
    get body() {
      return read('body', spec.body) as Output<B>;
    },
  };
}

/**
 * Declares routes on `router`: `route(spec, handler)` registers the route with its guard and
 * hands the handler the request read by the spec's schemas.
 */
export function contract(router: Router) {
  return function route<P extends Schema = undefined, Q extends Schema = undefined, B extends Schema = undefined>(spec: RouteSpec<P, Q, B>, handler: Handler<P, Q, B>): void {
    const declared = spec as Declared;
    // First in the route's stack, so that the guard's refusals are held to the contract too.
    const declare: RequestHandler & { [DECLARED]?: Declared } = (_req, res, next) => {
      res.locals[LOCALS_KEY] = declared;
      next();
    };
    declare[DECLARED] = declared;
    const guards = spec.guard === undefined ? [] : [spec.guard].flat();
    router[spec.method](spec.path, declare, ...guards, async (req: Request, res: Response) => handler(inputOf(spec, req), req, res));
  };
}

/** A mounted route: its method, its whole path (express syntax), and its declaration if it has one. */
export interface MountedRoute {
  method: string;
  path: string;
  declared: Declared | undefined;
}

/** What express's router (2.x) keeps of a layer: the path it was mounted at, its route or its router. */
interface LayerLike {
  rawPath?: unknown;
  route?: { path: string; methods: Record<string, boolean>; stack: LayerLike[] };
  handle: { stack?: LayerLike[]; [DECLARED]?: Declared };
}

/** Every route of the app, through every router mounted in it. */
export function mountedRoutes(app: Application): MountedRoute[] {
  const found: MountedRoute[] = [];
  const walk = (stack: LayerLike[], mount: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const declared = layer.route.stack.map((l) => l.handle[DECLARED]).find((d) => d !== undefined);
        for (const method of Object.keys(layer.route.methods)) found.push({ method, path: mount + layer.route.path, declared });
      } else if (layer.handle.stack) walk(layer.handle.stack, typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? mount + layer.rawPath : mount);
    }
  };
  walk((app.router as unknown as { stack: LayerLike[] }).stack, '');
  return found;
}

const SECURITY: Record<Caller, RouteConfig['security']> = {
  anyone: [],
  user: [{ bearer: [] }],
  device: [{ device: [] }],
  signed_url: [{ signedUrl: [] }],
};

/** `/api/cases/:id` → `/api/cases/{id}`. */
const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

function responseConfig(status: number, answer: Answer): ResponseConfig {
  const description = STATUS_CODES[status] ?? String(status);
  if (answer instanceof z.ZodType) return { description, content: { 'application/json': { schema: answer } } };
  if ('noBody' in answer) return { description: answer.noBody };
  return { description: answer.description, content: { [answer.mediaType]: { schema: { type: 'string', format: 'binary' } } } };
}

const documents = new WeakMap<Application, object>();

/** The OpenAPI 3.1 document of every declared route of `app`, made once: routes are mounted before the app serves. */
export function openApiDocument(app: Application): object {
  let document = documents.get(app);
  if (!document) documents.set(app, (document = generate(app)));
  return document;
}

function generate(app: Application) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: "a user's access token (POST /api/auth/sign-in)" });
  registry.registerComponent('securitySchemes', 'device', { type: 'apiKey', in: 'header', name: 'Authorization', description: '`Device <deviceId>:<credential>`, issued at registration' });
  registry.registerComponent('securitySchemes', 'signedUrl', { type: 'apiKey', in: 'query', name: 'sig', description: 'the signature of a URL a playback session handed out' });
  for (const { path, declared: spec } of mountedRoutes(app)) {
    if (!spec) continue;
    const responses: RouteConfig['responses'] = Object.fromEntries(Object.entries(spec.responses).map(([status, answer]) => [status, responseConfig(Number(status), answer)]));
    responses.default = { description: 'refused or failed', content: { 'application/json': { schema: errorBodySchema } } };
    registry.registerPath({
      method: spec.method,
      path: openApiPath(path),
      summary: spec.summary,
      security: SECURITY[spec.caller],
      request: {
        // Objects, or objects refined: what zod-to-openapi turns into parameters.
        params: spec.params as z.AnyZodObject | undefined,
        query: spec.query as z.AnyZodObject | undefined,
        body: spec.body ? { content: { 'application/json': { schema: spec.body } } } : undefined,
      },
      responses,
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'liuhen 留痕', version: '1', description: 'The viewing, device and playback API. Refusal codes and states: player/API.md.' },
  });
}

/** `refuse`: a mismatch is answered 500 response_mismatch (tests); `log`: reported only; `off`. */
export type ResponseCheck = 'refuse' | 'log' | 'off';

export class ResponseMismatch extends Error {
  constructor(route: string, status: number, problem: string) {
    super(`${route} answered ${status} off its contract: ${problem}`);
    this.name = 'ResponseMismatch';
  }
}

function mismatchOf(spec: Declared, status: number, body: unknown): string | null {
  const answer = spec.responses[status] ?? (status >= 400 ? errorBodySchema : undefined);
  if (answer === undefined) return 'the status is not declared';
  if ('noBody' in answer) return 'declared without a body, answered JSON';
  if (!(answer instanceof z.ZodType)) return `declared as ${answer.mediaType}, answered JSON`;
  const checked = answer.safeParse(body);
  return checked.success ? null : checked.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
}

/**
 * Holds every JSON answer of a declared route to its declaration. Mounted before the routes; a
 * route's declaration reaches it through res.locals, so the routes themselves stay unaware.
 */
export function responseCheck(mode: ResponseCheck, report: (err: Error) => void): RequestHandler {
  return (req, res, next) => {
    if (mode === 'off') return next();
    const json = res.json.bind(res);
    res.json = (body: unknown) => {
      const declared = res.locals[LOCALS_KEY] as Declared | undefined;
      const problem = declared ? mismatchOf(declared, res.statusCode, body) : null;
      if (problem === null) return json(body);
      report(new ResponseMismatch(`${req.method} ${req.baseUrl}${declared!.path}`, res.statusCode, problem));
      if (mode === 'log') return json(body);
      // Once: the answer below is an error body, which the contract of every route allows.
      res.locals[LOCALS_KEY] = undefined;
      return res.status(500).json({ error: 'response_mismatch' });
    };
    next();
  };
}
