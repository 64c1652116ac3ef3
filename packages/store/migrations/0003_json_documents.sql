-- Documents that SQL never looks inside are stored as json (the text as written), not jsonb.
-- jsonb re-sorts object keys and rejects "\u0000" in strings; both break a durable runtime:
--   - key order is observable in the workflow language (jq `keys_unsorted`, `to_entries`,
--     `tojson`, HTTP bodies built from state), so a run resumed from the database must see its
--     objects exactly as it left them;
--   - an HTTP or LLM response containing a NUL character would make the runner's batch fail.
-- json is also cheaper to write and read (validated, not converted). runs.usage stays jsonb: SQL
-- adds to its numbers.
ALTER TABLE workflow_definitions ALTER COLUMN document TYPE json USING document::json;
ALTER TABLE runs
  ALTER COLUMN input TYPE json USING input::json,
  ALTER COLUMN output TYPE json USING output::json,
  ALTER COLUMN error TYPE json USING error::json,
  ALTER COLUMN state TYPE json USING state::json;
ALTER TABLE run_events ALTER COLUMN data TYPE json USING data::json;
ALTER TABLE task_attempts
  ALTER COLUMN payload TYPE json USING payload::json,
  ALTER COLUMN result TYPE json USING result::json,
  ALTER COLUMN error TYPE json USING error::json;
ALTER TABLE listens ALTER COLUMN filters TYPE json USING filters::json;
