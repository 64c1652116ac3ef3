-- Baton schema, version 1. Timestamps are written with millisecond precision (what ISO strings
-- and JS Dates carry) so that keyset cursors built from them compare exactly.

CREATE TABLE workflow_definitions (
  id            text PRIMARY KEY,
  namespace     text NOT NULL,
  name          text NOT NULL,
  version       text NOT NULL,
  document      jsonb NOT NULL,
  source        text NOT NULL,
  content_hash  text NOT NULL,
  created_at    timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  CONSTRAINT workflow_definitions_version_key UNIQUE (namespace, name, version)
);
-- listDefinitions: keyset on (namespace, name, id), optionally filtered by namespace / name.
CREATE INDEX workflow_definitions_listing ON workflow_definitions (namespace, name, id);

CREATE TABLE runs (
  id                text PRIMARY KEY,
  definition_id     text NOT NULL REFERENCES workflow_definitions (id),
  namespace         text NOT NULL,
  name              text NOT NULL,
  version           text NOT NULL,
  status            text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'running', 'waiting', 'completed', 'faulted', 'cancelled')),
  input             jsonb,
  output            jsonb,
  error             jsonb,
  state             jsonb,
  event_seq         integer NOT NULL DEFAULT 0,
  idempotency_key   text,
  parent_run_id     text,
  parent_effect_id  text,
  usage             jsonb,
  created_at        timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  started_at        timestamptz,
  ended_at          timestamptz,
  updated_at        timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
);
CREATE UNIQUE INDEX runs_idempotency_key ON runs (namespace, idempotency_key) WHERE idempotency_key IS NOT NULL;
-- listRuns: newest first, keyset on (created_at, id), with each filter combination served.
CREATE INDEX runs_listing ON runs (created_at DESC, id DESC);
CREATE INDEX runs_listing_status ON runs (status, created_at DESC, id DESC);
CREATE INDEX runs_listing_namespace ON runs (namespace, created_at DESC, id DESC);
CREATE INDEX runs_listing_name ON runs (namespace, name, created_at DESC, id DESC);
CREATE INDEX runs_pending ON runs (created_at) WHERE status = 'pending';
CREATE INDEX runs_parent ON runs (parent_run_id) WHERE parent_run_id IS NOT NULL;

CREATE TABLE run_events (
  run_id  text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq     integer NOT NULL,
  id      text NOT NULL UNIQUE,
  type    text NOT NULL,
  time    timestamptz NOT NULL,
  data    jsonb,
  PRIMARY KEY (run_id, seq)
);

-- The outbox: dispatched_at stays null until the attempt is known to be on a queue.
CREATE TABLE task_attempts (
  id             text PRIMARY KEY,
  run_id         text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  effect_id      text NOT NULL,
  kind           text NOT NULL,
  reference      text NOT NULL,
  payload        jsonb,
  status         text NOT NULL DEFAULT 'scheduled'
                 CHECK (status IN ('scheduled', 'completed', 'failed', 'cancelled')),
  result         jsonb,
  error          jsonb,
  created_at     timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  dispatched_at  timestamptz,
  finished_at    timestamptz
);
CREATE INDEX task_attempts_run ON task_attempts (run_id, created_at, id);
CREATE INDEX task_attempts_undispatched ON task_attempts (created_at, id) WHERE dispatched_at IS NULL;
CREATE INDEX task_attempts_stale ON task_attempts (kind, dispatched_at, id)
  WHERE status = 'scheduled' AND dispatched_at IS NOT NULL;

CREATE TABLE timers (
  id        text PRIMARY KEY,
  run_id    text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  timer_id  text NOT NULL,
  fire_at   bigint NOT NULL
);
CREATE INDEX timers_due ON timers (fire_at, id);
CREATE INDEX timers_run ON timers (run_id);

-- event_types: the CloudEvent types the filters require; NULL when some filter accepts any type.
CREATE TABLE listens (
  id           text PRIMARY KEY,
  run_id       text NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  listen_id    text NOT NULL,
  filters      jsonb NOT NULL,
  event_types  text[],
  created_at   timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
);
CREATE INDEX listens_event_types ON listens USING gin (event_types);
CREATE INDEX listens_any_type ON listens (id) WHERE event_types IS NULL;
CREATE INDEX listens_run ON listens (run_id);

CREATE TABLE api_keys (
  id          text PRIMARY KEY,
  name        text NOT NULL,
  prefix      text NOT NULL,
  key_hash    text NOT NULL UNIQUE,
  role        text NOT NULL CHECK (role IN ('admin', 'user')),
  namespace   text,
  created_at  timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  revoked_at  timestamptz
);
