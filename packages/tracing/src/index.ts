export { formatTraceparent, parseTraceparent, rootRunId, runTrace, type RunTrace, type SpanContext } from './ids.ts';
export { NOOP_TRACER, TracingConfigError, serviceTracer, shutdownTracing, startTracing, tracingConfig, type Attributes, type SpanOptions, type TraceSpan, type Tracer, type TracingConfig } from './tracer.ts';
