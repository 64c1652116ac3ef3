-- Concurrency keys (issue 14, docs/OPERATIONS.md "Concurrency"): a workflow whose document says
-- `metadata.baton.concurrency: { limit, key, strategy }` runs at most `limit` runs per key value at
-- once. The scope of a key is the workflow (namespace/name): all its versions share one key space.
--
-- A run's priority (POST /api/v1/runs `priority`, default 0): higher starts first among the runs
-- queued on a key; equal priorities start in order of creation.
ALTER TABLE runs ADD COLUMN priority integer NOT NULL DEFAULT 0;

-- One row per key value in use. Every decision about a key — a run taking a slot, queued, leaving
-- the queue or freeing its slot, the next queued runs admitted — is taken by a runner transaction
-- holding this row locked (INSERT … ON CONFLICT DO UPDATE, keys in (scope, key) order), so the
-- count is exact across runners and never read with a racy SELECT. A row with no slot left is
-- deleted by the transaction that frees its last one.
--   key       the key's value as JSON text ('' when the workflow has no `key`: one key for all runs)
--   running   runs holding a slot (admitted and not ended; a suspended run keeps its slot)
--   limit     the limit of the latest run that arrived on the key (a version may change it)
--   admitted  admissions so far: each admitted run takes the next number (its `ticket`)
--   evicting  cancel-oldest: runs sent a cancel to free their slot, not ended yet
CREATE TABLE concurrency_keys (
  scope     text NOT NULL,
  key       text NOT NULL,
  running   integer NOT NULL DEFAULT 0 CHECK (running >= 0),
  "limit"   integer NOT NULL CHECK ("limit" >= 1),
  admitted  bigint NOT NULL DEFAULT 0,
  evicting  text[] NOT NULL DEFAULT '{}',
  PRIMARY KEY (scope, key)
);

-- A run's place on its key, written when its `start` reaches a runner and deleted when it ends:
--   queued     waits (the run stays `pending`); the queue is ordered by priority, then creation
--   running    holds a slot; its start message is in the outbox or applied
--   announced  false while a queued run's own start has not been seen yet: an older run a batch
--              found still ungated before admitting younger ones (FIFO across runners) is put in
--              the queue by that batch; its own start logs its `queued` event later
-- Rows change only under their key's row lock, never by locking another run's row — hence no
-- foreign key to runs (its check would share-lock a run another runner may hold); a run's slot
-- is deleted by the transaction that ends it, and only ended runs are ever deleted.
CREATE TABLE concurrency_slots (
  run_id       text PRIMARY KEY,
  scope        text NOT NULL,
  key          text NOT NULL,
  state        text NOT NULL CHECK (state IN ('queued', 'running')),
  priority     integer NOT NULL,
  created_at   timestamptz NOT NULL,
  queued_at    timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  admitted_at  timestamptz,
  ticket       bigint,
  announced    boolean NOT NULL DEFAULT true
);
CREATE INDEX concurrency_slots_queue ON concurrency_slots (scope, key, priority DESC, created_at, run_id) WHERE state = 'queued';
CREATE INDEX concurrency_slots_running ON concurrency_slots (scope, key, created_at, run_id) WHERE state = 'running';
-- Pending runs of a workflow by creation: the older runs a batch checks before it admits.
CREATE INDEX runs_pending_workflow ON runs (namespace, name, created_at, id) WHERE status = 'pending';
