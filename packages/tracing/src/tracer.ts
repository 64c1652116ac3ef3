// Baton's tracer: a small facade over the OpenTelemetry SDK (BasicTracerProvider, a batch span
// processor and the OTLP/HTTP JSON exporter), one provider per service so that the all-in-one
// process shows its six services as six. Off unless OTEL_EXPORTER_OTLP_ENDPOINT (or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set: then the SDK is never even loaded, every span is a
// shared no-op object, and callers test `tracer.enabled` before building attributes.
import { hostname } from 'node:os';
import { formatTraceparent, parseTraceparent, type SpanContext } from './ids.ts';

export type Attributes = Record<string, string | number | boolean | string[] | undefined>;

export interface SpanOptions {
  /** The parent span, as a W3C traceparent; without one the span starts a trace. */
  parent?: string;
  kind?: 'internal' | 'server' | 'client' | 'consumer' | 'producer';
  attributes?: Attributes;
  /** Epoch ms (default: now). */
  startTime?: number;
  /** Use these ids instead of random ones (a run's own span, whose id every process derives). */
  ids?: { spanId: string; traceId?: string };
}

export interface TraceSpan {
  /** This span as a W3C traceparent, to pass on (an outgoing request, a message); '' when off. */
  readonly traceparent: string;
  setAttributes(attributes: Attributes): void;
  /** Marks the span failed (status ERROR) with a message. */
  fail(message: string): void;
  /** Epoch ms (default: now). */
  end(endTime?: number): void;
}

export interface Tracer {
  readonly enabled: boolean;
  startSpan(name: string, options?: SpanOptions): TraceSpan;
  /** Exports what is buffered, then stops. */
  shutdown(): Promise<void>;
}

const NOOP_SPAN: TraceSpan = { traceparent: '', setAttributes: () => undefined, fail: () => undefined, end: () => undefined };
export const NOOP_TRACER: Tracer = { enabled: false, startSpan: () => NOOP_SPAN, shutdown: async () => undefined };

export class TracingConfigError extends Error {
  override readonly name = 'TracingConfigError';
}

export interface TracingConfig {
  /** Where spans are POSTed (OTLP/HTTP, JSON encoding). */
  url: string;
  headers: Record<string, string>;
  /** Longest time a finished span waits before it is exported (OTEL_BSP_SCHEDULE_DELAY). */
  scheduleDelayMs: number;
  /** A protocol other than http/json that was asked for (it is not used: Baton sends JSON). */
  ignoredProtocol?: string;
}

/** The tracing configuration from the OTEL_* variables, or undefined when tracing is off. */
export function tracingConfig(env: Record<string, string | undefined>): TracingConfig | undefined {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true' || env.OTEL_TRACES_EXPORTER?.trim() === 'none') return undefined;
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!traces && !base) return undefined;
  const url = traces || `${base!.replace(/\/+$/, '')}/v1/traces`;
  const variable = traces ? 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  try {
    if (!['http:', 'https:'].includes(new URL(url).protocol)) throw new Error('not http(s)');
  } catch {
    throw new TracingConfigError(`${variable} must be an http(s) URL such as http://otel-collector:4318, got "${traces || base}"`);
  }
  const delay = env.OTEL_BSP_SCHEDULE_DELAY?.trim();
  const scheduleDelayMs = delay ? Number(delay) : 5000;
  if (!Number.isInteger(scheduleDelayMs) || scheduleDelayMs < 0) throw new TracingConfigError(`OTEL_BSP_SCHEDULE_DELAY must be a whole number of milliseconds, got "${delay}"`);
  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim();
  return {
    url,
    headers: parseHeaders(env.OTEL_EXPORTER_OTLP_TRACES_HEADERS ?? env.OTEL_EXPORTER_OTLP_HEADERS),
    scheduleDelayMs,
    ...(protocol && protocol !== 'http/json' && { ignoredProtocol: protocol }),
  };
}

/** "key=value,key2=value2", values URL-encoded (the OTLP exporter specification). */
function parseHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of (text ?? '').split(',')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    headers[decodeURIComponent(pair.slice(0, at).trim())] = decodeURIComponent(pair.slice(at + 1).trim());
  }
  return headers;
}

const open = new Map<string, Promise<Tracer>>();

/**
 * The tracer of `service` in this process: started on first call (loading the SDK only when
 * tracing is configured), the same one afterwards. serviceTracer() finds it by name.
 */
export function startTracing(service: string, env: Record<string, string | undefined>, warn?: (message: string) => void): Promise<Tracer> {
  const config = tracingConfig(env);
  if (!config) return Promise.resolve(NOOP_TRACER);
  let tracer = open.get(service);
  if (!tracer) {
    if (config.ignoredProtocol) warn?.(`OTEL_EXPORTER_OTLP_PROTOCOL=${config.ignoredProtocol} is not supported; Baton exports traces as OTLP/HTTP JSON (http/json) to ${config.url}`);
    tracer = createSdkTracer(service, config);
    open.set(service, tracer);
  }
  return tracer;
}

/** Tracers whose SDK has loaded, by service. */
const ready = new Map<string, Tracer>();

/** The tracer startTracing() started for `service` in this process, or the no-op one. */
export function serviceTracer(service: string): Tracer {
  return ready.get(service) ?? NOOP_TRACER;
}

/** Exports what every tracer of this process holds and stops them (the all-in-one process's stop). */
export async function shutdownTracing(): Promise<void> {
  const tracers = await Promise.all(open.values());
  open.clear();
  ready.clear();
  await Promise.all(tracers.map((tracer) => tracer.shutdown().catch(() => undefined)));
}

async function createSdkTracer(service: string, config: TracingConfig): Promise<Tracer> {
  const [api, sdk, { OTLPTraceExporter }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
  ]);
  // Span ids the caller chose (a run's own span) are handed to the SDK through its id generator,
  // which startSpan consults synchronously: set just before, taken once.
  let chosen: { spanId: string; traceId?: string } | undefined;
  const random = new sdk.RandomIdGenerator();
  const idGenerator = {
    generateTraceId: () => chosen?.traceId ?? random.generateTraceId(),
    generateSpanId: () => chosen?.spanId ?? random.generateSpanId(),
  };
  const provider = new sdk.BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': service, 'service.namespace': 'baton', 'service.instance.id': `${hostname()}-${process.pid}` }),
    idGenerator,
    spanProcessors: [new sdk.BatchSpanProcessor(new OTLPTraceExporter({ url: config.url, headers: config.headers }), { scheduledDelayMillis: config.scheduleDelayMs })],
  });
  const otel = provider.getTracer('baton');
  const kinds = { internal: api.SpanKind.INTERNAL, server: api.SpanKind.SERVER, client: api.SpanKind.CLIENT, consumer: api.SpanKind.CONSUMER, producer: api.SpanKind.PRODUCER };
  const clean = (attributes: Attributes | undefined) => Object.fromEntries(Object.entries(attributes ?? {}).filter(([, value]) => value !== undefined)) as Record<string, string | number | boolean | string[]>;

  const tracer: Tracer = {
    enabled: true,
    startSpan(name, options = {}) {
      const parent: SpanContext | undefined = parseTraceparent(options.parent);
      const context = parent ? api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId: parent.traceId, spanId: parent.spanId, traceFlags: parent.sampled ? api.TraceFlags.SAMPLED : api.TraceFlags.NONE, isRemote: true }) : api.ROOT_CONTEXT;
      chosen = options.ids;
      let span;
      try {
        span = otel.startSpan(name, { kind: kinds[options.kind ?? 'internal'], attributes: clean(options.attributes), ...(options.startTime !== undefined && { startTime: options.startTime }) }, context);
      } finally {
        chosen = undefined;
      }
      const own = span.spanContext();
      return {
        traceparent: formatTraceparent({ traceId: own.traceId, spanId: own.spanId, sampled: (own.traceFlags & api.TraceFlags.SAMPLED) === api.TraceFlags.SAMPLED }),
        setAttributes: (attributes) => void span.setAttributes(clean(attributes)),
        fail: (message) => void span.setStatus({ code: api.SpanStatusCode.ERROR, message }),
        end: (endTime) => span.end(endTime),
      };
    },
    shutdown: () => provider.shutdown(),
  };
  ready.set(service, tracer);
  return tracer;
}
