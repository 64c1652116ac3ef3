-- A run's row is updated at every transition, and updated_at changes each time. An index on
-- updated_at (runs_pending, migration 0005) made every one of those updates a non-HOT update: a
-- new entry in each of the runs table's indexes (five of them for every run) at every step of
-- every run. The pending-run sweep (claimPendingRuns) needs no index of its own: pending runs
-- (created, no first decision yet, or queued on a concurrency key) are found through
-- runs_pending_workflow (migration 0010, the same predicate) and sorted by when they were last
-- touched. A run's updates that leave its status alone are now HOT when the page has room, which
-- a fill factor below 100 leaves for them.
DROP INDEX runs_pending;
ALTER TABLE runs SET (fillfactor = 80);
