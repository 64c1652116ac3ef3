// The tracer against a local OTLP receiver: spans arrive as OTLP/HTTP JSON with the ids asked for.
import { startOtlpReceiver, type OtlpReceiver } from '@baton/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTrace } from './ids.ts';
import { NOOP_TRACER, TracingConfigError, serviceTracer, shutdownTracing, startTracing, tracingConfig } from './tracer.ts';

let receiver: OtlpReceiver;
beforeAll(async () => {
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await shutdownTracing();
  await receiver?.close();
});

describe('tracingConfig', () => {
  it('is off without an endpoint, or when disabled', () => {
    expect(tracingConfig({})).toBeUndefined();
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_SDK_DISABLED: 'true' })).toBeUndefined();
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_TRACES_EXPORTER: 'none' })).toBeUndefined();
  });

  it('reads the endpoint, headers, batch delay and says when a protocol is not used', () => {
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/', OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20x, x-team=ops' })).toEqual({
      url: 'http://collector:4318/v1/traces',
      headers: { authorization: 'Bearer x', 'x-team': 'ops' },
      scheduleDelayMs: 5000,
    });
    expect(tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://a:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://b/traces', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toMatchObject({ url: 'https://b/traces', ignoredProtocol: 'grpc' });
  });

  it('refuses a URL that is not one, naming the variable', () => {
    expect(() => tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318' })).toThrow(TracingConfigError);
    expect(() => tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'nope' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT must be an http\(s\) URL/);
    expect(() => tracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318', OTEL_BSP_SCHEDULE_DELAY: 'soon' })).toThrow(/OTEL_BSP_SCHEDULE_DELAY/);
  });
});

describe('startTracing', () => {
  it('is the shared no-op tracer when off: nothing loaded, nothing sent', async () => {
    expect(await startTracing('off-service', {})).toBe(NOOP_TRACER);
    expect(serviceTracer('off-service')).toBe(NOOP_TRACER);
    const span = NOOP_TRACER.startSpan('x', { parent: runTrace('r').span.traceId });
    expect(span.traceparent).toBe('');
  });

  it('exports spans with the chosen ids and parents, per service', async () => {
    const tracer = await startTracing('unit-service', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '20' });
    expect(tracer.enabled).toBe(true);
    expect(serviceTracer('unit-service')).toBe(tracer);
    expect(await startTracing('unit-service', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url })).toBe(tracer);
    const trace = runTrace('run-1');
    const run = tracer.startSpan('run demo', { ids: { traceId: trace.traceId, spanId: trace.span.spanId }, startTime: Date.now() - 1000, attributes: { 'baton.run.id': 'run-1', skipped: undefined } });
    expect(run.traceparent).toBe(`00-${trace.traceId}-${trace.span.spanId}-01`);
    const task = tracer.startSpan('task fetch', { parent: run.traceparent, kind: 'client' });
    expect(task.traceparent).toMatch(new RegExp(`^00-${trace.traceId}-[0-9a-f]{16}-01$`));
    task.fail('boom');
    task.end();
    run.end();
    await expect.poll(() => receiver.spans.length, { timeout: 5000 }).toBe(2);
    const [taskSpan, runSpan] = [receiver.spans.find((s) => s.name === 'task fetch')!, receiver.spans.find((s) => s.name === 'run demo')!];
    expect(runSpan).toMatchObject({ service: 'unit-service', traceId: trace.traceId, spanId: trace.span.spanId, kind: 1, attributes: { 'baton.run.id': 'run-1' } });
    expect(runSpan.parentSpanId).toBeUndefined();
    expect(runSpan.endMs - runSpan.startMs).toBeGreaterThanOrEqual(999);
    expect(taskSpan).toMatchObject({ traceId: trace.traceId, parentSpanId: trace.span.spanId, kind: 3, status: { code: 2, message: 'boom' } });
    expect(receiver.rejected).toEqual([]);
  });

  it("follows the parent's sampling decision: an unsampled parent's children are not exported", async () => {
    const tracer = await startTracing('unit-service', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
    const span = tracer.startSpan('unsampled', { parent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00' });
    expect(span.traceparent).toMatch(/-00$/);
    span.end();
    const marker = tracer.startSpan('marker');
    marker.end();
    await expect.poll(() => receiver.spans.some((s) => s.name === 'marker'), { timeout: 5000 }).toBe(true);
    expect(receiver.spans.some((s) => s.name === 'unsampled')).toBe(false);
  });
});
