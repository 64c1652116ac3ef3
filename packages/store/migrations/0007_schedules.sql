-- Workflow schedules (`schedule:` every / cron / after / on). One schedule per workflow name in a
-- namespace: it belongs to the latest version registered and moves to a newer one.
--   next_at     epoch ms of the next tick (every, cron; after once its run ended); NULL = none due
--   anchor_at   epoch ms the phase of `every` counts from (kept when a newer version takes over)
--   consumed    `on` with all / until: the events consumed so far toward the next run
--   event_types `on`: the types its filters require (NULL = any type may match), as for listens
-- Documents are json, not jsonb (0003): events may hold "\u0000", and SQL never looks inside.
-- A tick starts its run in the transaction that advances next_at; the run's idempotency key
-- (`schedule:<id>:<tick>`) makes a second start of one tick impossible.
CREATE TABLE schedules (
  id            text PRIMARY KEY,
  namespace     text NOT NULL,
  name          text NOT NULL,
  definition_id text NOT NULL REFERENCES workflow_definitions (id),
  version       text NOT NULL,
  kind          text NOT NULL CHECK (kind IN ('every', 'cron', 'after', 'on')),
  spec          json NOT NULL,
  paused        boolean NOT NULL DEFAULT false,
  next_at       bigint,
  anchor_at     bigint NOT NULL,
  consumed      json,
  event_types   text[],
  last_tick_at  bigint,
  last_run_id   text,
  ticks         bigint NOT NULL DEFAULT 0,
  skipped       bigint NOT NULL DEFAULT 0,
  created_at    timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at    timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  UNIQUE (namespace, name)
);
CREATE INDEX schedules_due ON schedules (next_at) WHERE next_at IS NOT NULL AND NOT paused;
CREATE INDEX schedules_on ON schedules (namespace) WHERE kind = 'on';
CREATE INDEX schedules_after_running ON schedules (last_run_id) WHERE kind = 'after' AND next_at IS NULL;

-- What started a run: {"kind":"api"}, {"kind":"schedule","scheduleId","tick"},
-- {"kind":"event","scheduleId","eventId",…}, {"kind":"workflow","parentRunId"}.
ALTER TABLE runs ADD COLUMN trigger json;
ALTER TABLE runs ADD COLUMN schedule_id text;
CREATE INDEX runs_schedule ON runs (schedule_id, created_at DESC, id DESC) WHERE schedule_id IS NOT NULL;
CREATE INDEX runs_schedule_live ON runs (schedule_id) WHERE schedule_id IS NOT NULL AND status IN ('pending', 'running', 'waiting');
