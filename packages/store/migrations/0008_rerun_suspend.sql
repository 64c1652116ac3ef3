-- Operators act on runs (issue 14): rerun, suspend / resume.
--
-- Rerun: a new run of the same workflow (same or latest version) with the same or a new input;
-- rerun_of names the run it reruns (its trigger is {"kind":"rerun","runId"}).
ALTER TABLE runs ADD COLUMN rerun_of text;
CREATE INDEX runs_rerun_of ON runs (rerun_of, created_at DESC, id DESC) WHERE rerun_of IS NOT NULL;

-- Suspend: `suspended` is the spec's status phase for a run an operator paused (dsl.md, "Status
-- Phases"). The interpreter's state keeps the phase the run had (running / waiting / none yet);
-- the row says suspended until the run is resumed or ends.
ALTER TABLE runs DROP CONSTRAINT runs_status_check;
ALTER TABLE runs ADD CONSTRAINT runs_status_check
  CHECK (status IN ('pending', 'running', 'waiting', 'suspended', 'completed', 'faulted', 'cancelled'));
-- A suspended run of a schedule is still live (overlap: skip / cancel-previous see it).
DROP INDEX runs_schedule_live;
CREATE INDEX runs_schedule_live ON runs (schedule_id)
  WHERE schedule_id IS NOT NULL AND status IN ('pending', 'running', 'waiting', 'suspended');

-- A task attempt a suspended run decided is `held`: written, never handed to the transport (no
-- sweep re-sends it: they take `scheduled` attempts only), and made `scheduled` — dispatched — by
-- the transaction that resumes the run, in effect order. A held child run is not created until then
-- (the attempt's payload holds it); a held approval is not opened until then.
ALTER TABLE task_attempts DROP CONSTRAINT task_attempts_status_check;
ALTER TABLE task_attempts ADD CONSTRAINT task_attempts_status_check
  CHECK (status IN ('held', 'scheduled', 'completed', 'failed', 'cancelled'));
CREATE INDEX task_attempts_held ON task_attempts (run_id) WHERE status = 'held';
