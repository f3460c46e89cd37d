/**
 * A traced call from end to end: a client and a server in one process, each with its
 * OpenTelemetry interceptor (tracing.ts), the SDK's in-memory exporter collecting the spans.
 * Prints the trace as a tree built from each span's parent, then exits.
 *
 *   npx tsx examples/opentelemetry/demo.ts
 */
import { context, propagation, type Span, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { close, connect, serve } from 'farcall';
import { clientTracing, serverTracing } from './tracing.js';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
trace.setGlobalTracerProvider(provider);
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const tracer = trace.getTracer('farcall-example');

const api = {
  /** A function that does traced work of its own: its span is a child of the server span. */
  price: async (sku: string) =>
    tracer.startActiveSpan('db.lookup', async (span: Span) => {
      span.setAttribute('sku', sku);
      span.end();
      return sku.length * 10;
    }),
};

const server = await serve(api, {
  listen: 'tcp://127.0.0.1:0',
  use: serverTracing(tracer),
  logger: false,
});
const remote = await connect<typeof api>(server.url, { use: clientTracing(tracer) });
const total = await tracer.startActiveSpan('checkout', async (span: Span) => {
  try {
    return (await remote.price('A-1')) + (await remote.price('B-22'));
  } finally {
    span.end();
  }
});
await close(remote);
await server.close();
await provider.forceFlush();

console.log(`total = ${total}`);
const spans = exporter.getFinishedSpans();
const traces = new Set(spans.map((s) => s.spanContext().traceId));
console.log(`${spans.length} spans in ${traces.size} trace(s)`);
const kinds = ['internal', 'server', 'client', 'producer', 'consumer'];
/** Prints `span` and, below it, the spans whose parent it is, in the order they started. */
function print(span: ReadableSpan, depth: number): void {
  console.log(`${'  '.repeat(depth)}${span.name} (${kinds[span.kind]})`);
  const id = span.spanContext().spanId;
  const children = spans.filter((s) => s.parentSpanContext?.spanId === id);
  children.sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
  for (const child of children) print(child, depth + 1);
}
for (const root of spans.filter((s) => s.parentSpanContext === undefined)) print(root, 0);
await provider.shutdown();
