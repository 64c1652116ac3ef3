// The parts of a Serverless Workflow DSL 1.0.x document the interpreter consumes
// (dsl-reference.md). Documents are validated against the official schema before they reach
// the interpreter, so these types describe shapes, not every constraint.

export type Duration =
  | string
  | { days?: number; hours?: number; minutes?: number; seconds?: number; milliseconds?: number };

export interface SchemaDefinition {
  format?: string;
  document?: Record<string, unknown>;
  resource?: unknown;
}

export interface InputDefinition {
  schema?: SchemaDefinition;
  /** A runtime expression (string) or an object whose strings may hold `${ … }` expressions. */
  from?: string | Record<string, unknown>;
}

export interface OutputDefinition {
  schema?: SchemaDefinition;
  as?: string | Record<string, unknown>;
}

export type ExportDefinition = OutputDefinition;

export interface TimeoutDefinition {
  after: Duration;
}

/** `continue`, `exit`, `end` or the name of a task in the same list. */
export type FlowDirective = string;

export interface ErrorDefinition {
  type: string;
  status: number | string;
  title?: string;
  detail?: string;
  instance?: string;
}

export interface RetryPolicy {
  when?: string;
  exceptWhen?: string;
  delay?: Duration;
  backoff?: { constant?: object; linear?: object; exponential?: object };
  limit?: { attempt?: { count?: number; duration?: Duration }; duration?: Duration };
  jitter?: { from: Duration; to: Duration };
}

export interface AuthenticationPolicy {
  use?: string;
  basic?: Record<string, unknown>;
  bearer?: Record<string, unknown>;
  digest?: Record<string, unknown>;
  certificate?: Record<string, unknown>;
  oauth2?: Record<string, unknown>;
  oidc?: Record<string, unknown>;
}

export interface EndpointDefinition {
  uri: string;
  authentication?: AuthenticationPolicy;
}

export interface EventFilterDefinition {
  with?: Record<string, unknown>;
  correlate?: Record<string, { from: string; expect?: unknown }>;
}

export interface EventConsumptionStrategy {
  all?: EventFilterDefinition[];
  any?: EventFilterDefinition[];
  one?: EventFilterDefinition;
  until?: string | EventConsumptionStrategy;
}

export interface SubscriptionIterator {
  item?: string;
  at?: string;
  do?: TaskList;
  output?: OutputDefinition;
  export?: ExportDefinition;
}

export interface CatchDefinition {
  errors?: { with?: Partial<Record<'type' | 'status' | 'instance' | 'title' | 'detail', unknown>> };
  as?: string;
  when?: string;
  exceptWhen?: string;
  retry?: string | RetryPolicy;
  do?: TaskList;
}

/** Properties every task may carry. */
export interface TaskBase {
  if?: string;
  input?: InputDefinition;
  output?: OutputDefinition;
  export?: ExportDefinition;
  timeout?: string | TimeoutDefinition;
  then?: FlowDirective;
  metadata?: Record<string, unknown>;
}

export interface TaskDefinition extends TaskBase {
  call?: string;
  with?: Record<string, unknown>;
  do?: TaskList;
  fork?: { branches: TaskList; compete?: boolean };
  emit?: { event: { with: Record<string, unknown> } };
  for?: { each?: string; in: string; at?: string };
  while?: string;
  listen?: { to: EventConsumptionStrategy; read?: 'data' | 'envelope' | 'raw' };
  foreach?: SubscriptionIterator;
  raise?: { error: string | ErrorDefinition };
  run?: {
    workflow?: { namespace: string; name: string; version?: string; input?: unknown };
    container?: unknown;
    script?: unknown;
    shell?: unknown;
    await?: boolean;
    return?: string;
  };
  set?: string | Record<string, unknown>;
  switch?: Array<Record<string, { when?: string; then?: FlowDirective }>>;
  try?: TaskList;
  catch?: CatchDefinition;
  wait?: Duration;
}

/** A task list: an array of single-key maps, `[{ name: task }, …]`. */
export type TaskList = Array<Record<string, TaskDefinition>>;

export interface WorkflowDocument {
  document: {
    dsl: string;
    namespace: string;
    name: string;
    version: string;
    title?: string;
    summary?: string;
    tags?: Record<string, string>;
    metadata?: Record<string, unknown>;
  };
  input?: InputDefinition;
  output?: OutputDefinition;
  use?: {
    authentications?: Record<string, AuthenticationPolicy>;
    errors?: Record<string, ErrorDefinition>;
    functions?: Record<string, TaskDefinition>;
    retries?: Record<string, RetryPolicy>;
    secrets?: string[];
    timeouts?: Record<string, TimeoutDefinition>;
    catalogs?: Record<string, unknown>;
    extensions?: unknown[];
  };
  do: TaskList;
  timeout?: string | TimeoutDefinition;
  schedule?: unknown;
  evaluate?: { language?: string; mode?: 'strict' | 'loose' };
}
