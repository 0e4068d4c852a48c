// One request, start to end: route → control headers → queued behaviour → JSON body → script → reply → wire.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { behaviourFromHeaders, mergeBehaviour, MockHeaderError } from './behaviour.js';
import { errorReply, kindOf } from './errors.js';
import { findRoute, type MockRoute } from './routes.js';
import type { Exchange, MockBehaviour, MockReply, MockScript, ReceivedRequest } from './types.js';
import { send, type Live } from './wire.js';

/** What the server shares with every exchange. */
export interface ExchangeDeps {
  defaults: MockBehaviour;
  nextQueued(): MockBehaviour | undefined;
  script(): MockScript | undefined;
}

type Parsed = { ok: true; json: Record<string, unknown> } | { ok: false; reply: MockReply };

function parseBody(route: MockRoute, body: string, x: Pick<Exchange, 'kind'>): Parsed {
  if (route.method === 'GET') return { ok: true, json: {} };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reply: errorReply(x.kind, 400, 'We could not parse the JSON body of your request.') };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, reply: errorReply(x.kind, 400, 'The request body must be a JSON object.') };
  }
  return { ok: true, json: json as Record<string, unknown> };
}

function requestIdHeader(x: Pick<Exchange, 'kind' | 'seq'>): Record<string, string> {
  // Each SDK exposes its provider's request-id header (`_request_id`); send the one it looks for.
  // OpenAI also reports its own rate limits on every response; Sluice relays them beside its own x-sluice-ratelimit-*.
  return x.kind === 'anthropic'
    ? { 'request-id': `req_mock_${x.seq}` }
    : { 'x-request-id': `req_mock_${x.seq}`, 'x-ratelimit-limit-requests': '10000', 'x-ratelimit-remaining-requests': '9999' };
}

function handle(route: MockRoute, x: Exchange): MockReply {
  const status = x.behaviour.status;
  if (status !== undefined && status >= 400) {
    return errorReply(x.kind, status, x.behaviour.errorMessage ?? `Mock error ${status} (requested by the test).`);
  }
  try {
    return route.handle(x);
  } catch (err) {
    // A shape the mock did not expect is a test bug; say so in the provider's own error shape.
    return errorReply(x.kind, 500, `mock provider failed: ${(err as Error).message}`);
  }
}

/** Decides the reply for a fully read request; undefined means "hang". */
async function decide(
  req: IncomingMessage,
  body: string,
  rec: ReceivedRequest,
  deps: ExchangeDeps,
): Promise<{ reply: MockReply; behaviour: MockBehaviour; kind: Exchange['kind'] } | undefined> {
  const route = findRoute(req.url ?? '/');
  const kind = kindOf(req.headers, route?.kind);
  let behaviour = deps.defaults;
  try {
    behaviour = mergeBehaviour(behaviour, behaviourFromHeaders(req.headers));
  } catch (err) {
    if (!(err instanceof MockHeaderError)) throw err;
    return { reply: errorReply(kind, 400, err.message), behaviour: deps.defaults, kind };
  }
  behaviour = mergeBehaviour(behaviour, deps.nextQueued());
  if (route === undefined) {
    return { reply: errorReply(kind, 404, `Unknown route ${req.method} ${rec.path}`), behaviour, kind };
  }
  rec.route = route.name;
  if (req.method !== route.method) {
    return { reply: errorReply(kind, 405, `Method ${req.method} not allowed on ${rec.path}`), behaviour, kind };
  }
  const parsed = parseBody(route, body, { kind });
  if (!parsed.ok) return { reply: parsed.reply, behaviour, kind };
  const script = deps.script();
  if (script !== undefined) behaviour = mergeBehaviour(behaviour, await script({ ...rec, json: parsed.json }));
  if (behaviour.hang === true) return undefined;
  return { reply: handle(route, { json: parsed.json, behaviour, seq: rec.seq, kind }), behaviour, kind };
}

/** Answers one fully read request. Never rejects: failures become 500s. */
export async function answer(
  req: IncomingMessage,
  res: ServerResponse,
  body: string,
  rec: ReceivedRequest,
  live: Live,
  deps: ExchangeDeps,
): Promise<void> {
  try {
    const decided = await decide(req, body, rec, deps);
    if (decided === undefined || live.closed) return;
    const extra = { ...requestIdHeader({ kind: decided.kind, seq: rec.seq }), ...decided.behaviour.headers };
    await send(res, live, decided.reply, decided.behaviour, extra);
  } catch (err) {
    if (live.closed || res.headersSent) {
      res.destroy();
      return;
    }
    const reply = errorReply(kindOf(req.headers, undefined), 500, `mock provider failed: ${(err as Error).message}`);
    if (reply.kind === 'json') res.writeHead(500, { 'content-type': 'application/json' }).end(reply.body);
  }
}
