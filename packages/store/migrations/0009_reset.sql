-- Reset from a step (issue 14, docs/OPERATIONS.md "Reset"): a new run of the same workflow version
-- and input that replays the original's recorded outcomes before a task and executes from it on.
--
-- reset_of: {"runId": the original, "from": the resolved task pointer}.
ALTER TABLE runs ADD COLUMN reset_of jsonb;
CREATE INDEX runs_reset_of ON runs ((reset_of ->> 'runId'), created_at DESC, id DESC) WHERE reset_of IS NOT NULL;

-- applied_seq: the run's last event seq before the decision that applied this attempt's outcome
-- (set in that decision's transaction). An outcome is replayable by a reset from task T iff
-- applied_seq < the seq of T's task.started event: exact, one clock (the run's log).
-- replayed_from: the attempt of the original whose recorded outcome this attempt took.
ALTER TABLE task_attempts ADD COLUMN applied_seq bigint;
ALTER TABLE task_attempts ADD COLUMN replayed_from text;

-- The replay ledger of a reset run, written in the transaction that creates the run: one row per
-- recorded outcome it may take (kind task: an http/agent/approval attempt; workflow: a child run's
-- result; timer: a wait-task or retry-delay timer that elapsed), in the original's order. The
-- runner consumes an entry (consumed_by = the new attempt or timer id) in the transaction of the
-- decision that took it, so a runner killed mid-reset goes on where the committed ledger stands.
CREATE TABLE run_replays (
  run_id            text NOT NULL,
  ord               integer NOT NULL,
  kind              text NOT NULL CHECK (kind IN ('task', 'workflow', 'timer')),
  reference         text NOT NULL,
  -- canonical JSON of the payload (task), the child input (workflow), or the wait kind (timer)
  match             text NOT NULL,
  source_attempt_id text,
  outcome           jsonb,
  consumed_by       text,
  PRIMARY KEY (run_id, ord)
);
CREATE INDEX run_replays_open ON run_replays (run_id, ord) WHERE consumed_by IS NULL;
