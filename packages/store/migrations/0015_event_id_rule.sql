-- An event's id is `<run_id>.<seq>` (migration 0014). The CHECK that made it the schema's rule
-- cost every event of every run its evaluation: in PGlite's WebAssembly backend ~0.04 ms of each
-- runner transaction's ~0.6 ms (three to five events each; bench/README, stop 48). The store is
-- the only writer of run_events, and both of its INSERTs (appendEvents, saveTransitions) refuse an
-- event whose id is not its run's id and seq before anything is sent; so the primary key (run_id,
-- seq) still keeps ids unique.
ALTER TABLE run_events DROP CONSTRAINT run_events_id_is_run_and_seq;
