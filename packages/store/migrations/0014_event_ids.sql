-- An event's id is its run's id and its seq (`<run_id>.<seq>`: the engine has written it so since
-- its first version). The primary key (run_id, seq) keeps it unique; the UNIQUE index on id kept
-- it a second time, at the cost of an index entry for every event of every run — the most
-- numerous rows there are (eleven for a run of two calls). Nothing looks an event up by its id. The
-- CHECK makes the id's form the schema's rule, so that the primary key's uniqueness is the id's.
ALTER TABLE run_events DROP CONSTRAINT run_events_id_key;
ALTER TABLE run_events ADD CONSTRAINT run_events_id_is_run_and_seq CHECK (id = run_id || '.' || seq) NOT VALID;
ALTER TABLE run_events VALIDATE CONSTRAINT run_events_id_is_run_and_seq;
