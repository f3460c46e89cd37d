/**
 * OpenTelemetry for farcall, with one interceptor on each end: the client's starts a CLIENT
 * span per call and puts its W3C trace context in the call's metadata (`traceparent`); the
 * server's reads it back and starts the SERVER span as its child, active while the function
 * runs, so spans the function starts are its children. Copy this file into a project of yours.
 */
import {
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import type { ClientInterceptor, ServerInterceptor } from 'farcall';

/** Reads trace headers from farcall's string metadata. */
const metaGetter: TextMapGetter<Readonly<Record<string, string>>> = {
  keys: (meta) => Object.keys(meta),
  get: (meta, key) => meta[key],
};

/** Ends `span` with the outcome of `run`, and returns or throws what `run` did. */
async function traced(
  span: ReturnType<Tracer['startSpan']>,
  run: () => Promise<unknown>,
): Promise<unknown> {
  try {
    return await run();
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/** The client end: a CLIENT span around every call, its context sent as `traceparent`. */
export function clientTracing(tracer: Tracer): ClientInterceptor {
  return (call, next) => {
    const span = tracer.startSpan(call.method, {
      kind: SpanKind.CLIENT,
      attributes: {
        'rpc.system': 'farcall',
        'rpc.method': call.method,
        'server.address': call.url,
      },
    });
    // `call.meta` is this call's own copy of its metadata: the propagator writes into it.
    propagation.inject(trace.setSpan(context.active(), span), call.meta);
    return traced(span, next);
  };
}

/** The server end: a SERVER span per call, the child of the caller's span when it sent one. */
export function serverTracing(tracer: Tracer): ServerInterceptor {
  return (call, next) => {
    const parent = propagation.extract(context.active(), call.meta, metaGetter);
    const span = tracer.startSpan(
      call.method,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'rpc.system': 'farcall',
          'rpc.method': call.method,
          'client.address': call.peer,
        },
      },
      parent,
    );
    // The function runs with the server span active: its own spans are children of it.
    return context.with(trace.setSpan(parent, span), () => traced(span, next));
  };
}
