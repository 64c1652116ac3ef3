-- Human approvals (`call: approval:1.0.0@default`). Postgres is their truth: the workflow-runner
-- opens one in the transaction that writes its task attempt; the orchestrator records decisions
-- under a row lock; deadlines are enforced from Redis by the hitl-worker, with deadline_at here
-- as the fallback the runner's sweeper reads when Redis lost its schedule.
CREATE TABLE approvals (
  id             text PRIMARY KEY,            -- = attempt_id
  run_id         text NOT NULL,
  attempt_id     text NOT NULL UNIQUE,
  namespace      text NOT NULL,
  workflow_name  text NOT NULL,
  task_name      text NOT NULL,
  reference      text NOT NULL,
  spec           json NOT NULL,               -- the validated `with:` (ApprovalSpec)
  status         text NOT NULL DEFAULT 'pending'
                 CHECK (status IN ('pending', 'approved', 'rejected', 'timed_out', 'cancelled')),
  level          integer NOT NULL DEFAULT 0,  -- escalation level (0 = the step's own approvers)
  approvers      text[] NOT NULL,             -- the current level's approvers
  deadline_at    timestamptz,                 -- the current level's deadline
  outcome        json,                        -- the task output once closed
  result         json,                        -- the runner message resolving the attempt
  created_at     timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at     timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  closed_at      timestamptz
);
CREATE INDEX approvals_listing ON approvals (created_at DESC, id DESC);
CREATE INDEX approvals_listing_status ON approvals (status, created_at DESC, id DESC);
CREATE INDEX approvals_approvers ON approvals USING gin (approvers);
CREATE INDEX approvals_run ON approvals (run_id);
CREATE INDEX approvals_deadline ON approvals (deadline_at) WHERE status = 'pending' AND deadline_at IS NOT NULL;
CREATE INDEX approvals_closed ON approvals (closed_at) WHERE status <> 'pending';

-- One decision per approver and approval: the primary key makes a second one fail.
CREATE TABLE approval_decisions (
  approval_id  text NOT NULL REFERENCES approvals (id) ON DELETE CASCADE,
  approver     text NOT NULL,
  level        integer NOT NULL,
  decision     text NOT NULL CHECK (decision IN ('approve', 'reject')),
  comment      text,
  data         json,
  via          text NOT NULL CHECK (via IN ('api', 'link')),
  actor        text,
  decided_at   timestamptz NOT NULL,
  PRIMARY KEY (approval_id, approver)
);
