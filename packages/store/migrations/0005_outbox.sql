-- One transactional outbox for every effect a committed transition has outside PostgreSQL
-- (packages/engine/README.md, "Invariants"). Two kinds of rows:
--   runner  one message for the workflow-runner (child start, cancel, result for a parent, event
--           delivery to a listening run, approval audit, timer fired, continue). It stays until the
--           runner APPLIES it: the applying transaction deletes it, which is also its deduplication
--           (a message whose row is gone was applied before). Lost on the transport = sent again.
--   relay   what a runner batch hands to the transport once: task attempts to enqueue and ranges of
--           run events to publish on the events topic. Deleted once relayed.
-- relay_at: when a sweeper (re)sends the row if it is still here; each sweep claims due rows with
-- FOR UPDATE SKIP LOCKED and moves relay_at forward (backoff on `relays`), so N runners never send
-- one row twice at once.
CREATE TABLE outbox (
  id          text PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('runner', 'relay')),
  run_id      text,
  body        json NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  relay_at    timestamptz NOT NULL,
  relays      integer NOT NULL DEFAULT 0
);
CREATE INDEX outbox_due ON outbox (relay_at, id);
CREATE INDEX outbox_run ON outbox (run_id) WHERE run_id IS NOT NULL;

-- Task attempts are dispatched through relay rows now: dispatched_at is the time the attempt was
-- last handed to the transport (set when it is written), and only the stale-attempt sweep reads it.
ALTER TABLE task_attempts ALTER COLUMN dispatched_at SET DEFAULT date_trunc('milliseconds', now());
-- Attempts the old outbox had not dispatched yet are sent again at the next sweep.
UPDATE task_attempts SET dispatched_at = created_at - interval '1 year' WHERE dispatched_at IS NULL;
DROP INDEX task_attempts_undispatched;

-- Events appended by messages from outside the runner (approval audit, agent token chunks) carry a
-- key unique within their run: a message delivered twice appends its events once.
ALTER TABLE run_events ADD COLUMN key text;
CREATE UNIQUE INDEX run_events_key ON run_events (run_id, key) WHERE key IS NOT NULL;

-- Pending runs whose start message is re-sent: claimed by moving updated_at (one runner each).
DROP INDEX runs_pending;
CREATE INDEX runs_pending ON runs (updated_at, id) WHERE status = 'pending';

-- Each transport epoch (a Redis that restarted or was wiped, an in-process bus of a new process)
-- is repaired once: the runner that inserts it re-sends what was in flight.
CREATE TABLE bus_epochs (
  epoch          text PRIMARY KEY,
  claimed_by     text NOT NULL,
  claimed_until  timestamptz NOT NULL,
  repaired_at    timestamptz,
  created_at     timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now())
);
