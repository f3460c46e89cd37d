/**
 * examples/opentelemetry: run as the README says, and its interceptors checked span by span:
 * the server span is the child of the client span, in the same trace, and the function's own
 * span is the child of the server span; a failed call marks both ends' spans as errors.
 */
import { execFileSync } from 'node:child_process';
import { context, propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientTracing, serverTracing } from '../examples/opentelemetry/tracing.js';
import { close, connect, type Remote, type Server, serve } from '../src/index.js';

describe('examples/opentelemetry/demo.ts', () => {
  it('prints one trace: checkout, then client, server and the function span for each call', () => {
    const output = execFileSync(
      process.execPath,
      ['--import', 'tsx', 'examples/opentelemetry/demo.ts'],
      { cwd: new URL('..', import.meta.url), encoding: 'utf8', timeout: 30_000 },
    );
    expect(output).toBe(
      [
        'total = 70',
        '7 spans in 1 trace(s)',
        'checkout (internal)',
        '  price (client)',
        '    price (server)',
        '      db.lookup (internal)',
        '  price (client)',
        '    price (server)',
        '      db.lookup (internal)',
        '',
      ].join('\n'),
    );
  });
});

describe('the tracing interceptors, span by span', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const tracer = provider.getTracer('test');
  const api = {
    lookup: async (id: number) =>
      tracer.startActiveSpan('db', async (span) => {
        span.end();
        if (id < 0) throw new RangeError('no such id');
        return id;
      }),
  };
  let server: Server;
  let remote: Remote<typeof api>;
  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    server = await serve(api, {
      listen: 'tcp://127.0.0.1:0',
      use: serverTracing(tracer),
      logger: false,
    });
    remote = await connect<typeof api>(server.url, { use: clientTracing(tracer) });
  });
  afterAll(async () => {
    await close(remote);
    await server.close();
    await provider.shutdown();
  });

  const byKind = (spans: ReadableSpan[], kind: SpanKind) => spans.find((s) => s.kind === kind)!;

  it('makes the server span a child of the client span, and the function span its child', async () => {
    exporter.reset();
    expect(await remote.lookup(7)).toBe(7);
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(3);
    const client = byKind(spans, SpanKind.CLIENT);
    const server = byKind(spans, SpanKind.SERVER);
    const work = spans.find((s) => s.name === 'db')!;
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
    expect(client.parentSpanContext).toBeUndefined();
    expect(server.parentSpanContext?.spanId).toBe(client.spanContext().spanId);
    expect(server.parentSpanContext?.isRemote).toBe(true);
    expect(work.parentSpanContext?.spanId).toBe(server.spanContext().spanId);
    expect(client.attributes).toMatchObject({ 'rpc.system': 'farcall', 'rpc.method': 'lookup' });
    expect(server.attributes['client.address']).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('marks both ends as errors when the function throws', async () => {
    exporter.reset();
    await expect(remote.lookup(-1)).rejects.toMatchObject({ name: 'RangeError' });
    const spans = exporter.getFinishedSpans();
    for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
      expect(byKind(spans, kind).status).toEqual({
        code: SpanStatusCode.ERROR,
        message: 'no such id',
      });
    }
  });

  it('continues the trace of a span active around the call', async () => {
    exporter.reset();
    await tracer.startActiveSpan('outer', async (span) => {
      await remote.lookup(1);
      span.end();
    });
    const spans = exporter.getFinishedSpans();
    const outer = spans.find((s) => s.name === 'outer')!;
    expect(byKind(spans, SpanKind.CLIENT).parentSpanContext?.spanId).toBe(
      outer.spanContext().spanId,
    );
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).toBe(1);
  });
});
