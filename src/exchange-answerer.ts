/**
 * The answering side of an exchange transport (HTTP): one request's body holds calls (one, or a
 * batch), the response's body their answers. Admission is per underlying connection, as on a
 * channel; authentication is per request (`http-auth.ts`).
 */
import type { Caller } from './caller.js';
import { Deadlines } from './deadlines.js';
import { UsageError } from './errors.js';
import { AUTH_HEADER, CLIENT_HEADER, RequestVerifier, signResponse } from './http-auth.js';
import type { Limits } from './limits.js';
import type { Logger } from './logger.js';
import type {
  Answer,
  CallGroup,
  Incoming,
  Protocol,
  ProtocolConnection,
  ProtocolOptions,
} from './protocol/protocol.js';
import { makeProxy } from './proxy.js';
import { Responder, type ResponderConfig, writeAnswer } from './responder.js';
import { refusedAnswer } from './streams/refusal.js';
import type { ExchangeResponse, IncomingExchange } from './transport/transport.js';
import { describe } from './wire-error.js';

export interface ExchangeContext {
  readonly protocol: Protocol;
  readonly protocolOptions: ProtocolOptions;
  readonly responder: ResponderConfig;
  readonly limits: Limits;
  readonly logger: Logger;
  readonly authkey: Uint8Array | undefined;
}

/**
 * What one server keeps for its exchanges: codecs, verifier, a responder per connection, and
 * which responder runs each call whose request is still open (by its scoped id), for a cancel
 * that arrives on another connection.
 */
interface State {
  readonly connection: ProtocolConnection | undefined;
  readonly verifier: RequestVerifier | undefined;
  readonly responders: WeakMap<object, Responder>;
  readonly running: Map<unknown, Responder>;
  readonly deadlines: Deadlines;
}

const states = new WeakMap<ExchangeContext, State>();

function stateOf(context: ExchangeContext): State {
  let state = states.get(context);
  if (!state) {
    state = {
      connection: context.protocol.codecs?.(context.protocolOptions),
      verifier: context.authkey ? new RequestVerifier(context.authkey) : undefined,
      responders: new WeakMap(),
      running: new Map(),
      deadlines: new Deadlines(),
    };
    states.set(context, state);
  }
  return state;
}

/** `call.caller` over HTTP: the server cannot call a client that is not listening. */
const noCaller: Caller = {
  url: 'http',
  call: () =>
    Promise.reject(
      new UsageError(
        'call.caller is not available over an exchange transport (HTTP, NATS): the client does not listen',
      ),
    ),
  notify: () => {
    throw new UsageError(
      'call.caller is not available over an exchange transport (HTTP, NATS): the client does not listen',
    );
  },
  close: async () => {},
};
const noCallerProxy = makeProxy(noCaller, '', undefined);

function text(status: number, message: string): ExchangeResponse {
  return {
    status,
    body: new TextEncoder().encode(`farcall: ${message}\n`),
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  };
}

/**
 * Answers one request. Never rejects: a body that cannot be read is a 400, a missing or wrong
 * proof a 401, a protocol that does not run over HTTP a 415, and every call gets its answer in
 * the 200 response (204 when the request held only notifications).
 */
export async function answerExchange(
  request: IncomingExchange,
  context: ExchangeContext,
): Promise<ExchangeResponse> {
  const state = stateOf(context);
  const { connection } = state;
  if (!connection?.answerer || !context.protocol.contentType) {
    return text(415, `the ${context.protocol.name} protocol does not run over HTTP`);
  }
  if (!request.contentType.startsWith(context.protocol.contentType)) {
    return text(
      415,
      `expected a body of type ${context.protocol.contentType}, got '${request.contentType}'`,
    );
  }
  let nonce: string | undefined;
  if (state.verifier) {
    const verdict = await state.verifier.verify(
      request.headers[AUTH_HEADER],
      request.path,
      request.body,
    );
    if ('refused' in verdict) {
      context.logger.warn(`refused a request from ${request.peer}: ${verdict.refused}`);
      return text(401, `authentication failed: ${verdict.refused}`);
    }
    nonce = verdict.nonce;
  }
  let group: CallGroup;
  try {
    group = connection.answerer.readCalls(request.body);
  } catch (error) {
    context.logger.warn(`refused a request from ${request.peer}: ${describe(error)}`);
    return text(400, describe(error));
  }
  const client = request.headers[CLIENT_HEADER] ?? '';
  const cancellable = connection.capabilities.cancel;
  const responder = responderFor(state, context, request, cancellable);
  const originals = new Map<unknown, unknown>();
  const answers = await new Promise<readonly Answer[]>((resolve) => {
    // Without cancels, ids only travel back in their answers: they stay as they came (JSON-RPC's
    // string, number and null ids, repeated or not).
    const scoped = cancellable ? scopeIds(group, client, originals) : group;
    if (!cancellable) {
      // Without cancels, a requester that goes away is told to the functions of its calls:
      // their signals abort, and their answers go nowhere.
      const onGone = () => responder.abandon(group, request.signal.reason);
      request.signal.addEventListener('abort', onGone, { once: true });
      responder.handle(scoped, (all) => {
        request.signal.removeEventListener('abort', onGone);
        resolve(all);
      });
      if (request.signal.aborted) onGone();
      return;
    }
    const onAbort = () => {
      for (const id of originals.keys())
        responder.handle({ items: [{ type: 'cancel', id }], batch: false });
    };
    request.signal.addEventListener('abort', onAbort, { once: true });
    responder.handle(routeCancels(state, scoped, responder), (all) => {
      request.signal.removeEventListener('abort', onAbort);
      // Every call of the request is answered or released: none runs any more.
      for (const id of originals.keys()) {
        if (state.running.get(id) === responder) state.running.delete(id);
      }
      resolve(all);
    });
  });
  const codec = connection.answerer;
  const frames = answers.map((answer) =>
    writeAnswer(
      codec,
      refusedAnswer(
        cancellable ? unscope(answer, originals) : answer,
        'HTTP (one request, one response)',
      ),
      context.limits.maxFrameBytes,
      context.logger,
      request.peer,
    ),
  );
  const body = group.batch ? codec.writeBatch?.(frames) : frames[0];
  if (body === undefined || body.length === 0)
    return { status: 204, body: new Uint8Array(0), headers: {} };
  const headers: Record<string, string> = { 'content-type': context.protocol.contentType };
  if (context.authkey && nonce)
    headers[AUTH_HEADER] = await signResponse(context.authkey, nonce, body);
  return { status: 200, body, headers };
}

function responderFor(
  state: State,
  context: ExchangeContext,
  request: IncomingExchange,
  cancellable: boolean,
): Responder {
  let responder = state.responders.get(request.connection);
  if (!responder) {
    const sink = {
      peer: request.peer,
      // Every request is verified when there is a key (a 401 otherwise), and a keep-alive
      // connection keeps its TLS client certificate.
      identity: Object.freeze({
        authenticated: context.authkey !== undefined,
        certificate: request.certificate,
      }),
      answer: () => {},
      batch: () => {},
      caller: () => noCallerProxy,
    };
    responder = new Responder(context.responder, sink, {
      ordered: false,
      cancellable,
      deadlines: state.deadlines,
      protocol: context.protocol.name,
    });
    state.responders.set(request.connection, responder);
  }
  return responder;
}

/**
 * Call ids are the client's: scoped by its id, so two clients on one connection cannot collide.
 * `originals` maps each scoped id back to the id as it came, for the answer.
 */
function scopeIds(group: CallGroup, client: string, originals: Map<unknown, unknown>): CallGroup {
  const prefix = `${client}\u0000`;
  const items = group.items.map((item): Incoming => {
    if (item.type === 'call' || item.type === 'cancel') {
      const id = prefix + String(item.id);
      if (item.type === 'call') originals.set(id, item.id);
      return { ...item, id };
    }
    return item;
  });
  return { items, batch: group.batch };
}

/**
 * Notes which responder runs each call of `group`, and hands each cancel to the responder that
 * runs its call: a client cancels one call of a batch whose request is still open in a request
 * of its own, which its keep-alive pool sends on another connection. (Ids are scoped by the
 * client's id, so a cancel reaches only calls made under that id.) Returns the rest.
 */
function routeCancels(state: State, group: CallGroup, responder: Responder): CallGroup {
  let hasCancel = false;
  for (const item of group.items) {
    if (item.type === 'call') state.running.set(item.id, responder);
    else if (item.type === 'cancel') hasCancel = true;
  }
  if (!hasCancel) return group;
  const rest: Incoming[] = [];
  for (const item of group.items) {
    if (item.type !== 'cancel') rest.push(item);
    else (state.running.get(item.id) ?? responder).handle({ items: [item], batch: false });
  }
  return { items: rest, batch: group.batch };
}

function unscope(answer: Answer, originals: Map<unknown, unknown>): Answer {
  if (!originals.has(answer.id)) return answer;
  return { ...answer, id: originals.get(answer.id) };
}
