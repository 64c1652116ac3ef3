-- A runner that applied a run's last batch knows the run as that batch left it, and may advance it
-- again from what it knows instead of reading it first (packages/engine/src/snapshots.ts): its
-- statements then go with the transaction's COMMIT in one round trip. They lock the runs as
-- always, and check there, on the server, that nothing changed meanwhile — the run's event seq and
-- status, its namespace still without rate limits, its attempts still open. A check that fails
-- raises SQLSTATE BT409: the transaction aborts before its COMMIT, and the runner applies the batch
-- again the usual way (lock, read, decide, write).
CREATE FUNCTION baton_unchanged(unchanged boolean) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  IF unchanged IS NOT TRUE THEN
    RAISE EXCEPTION 'runs changed since the runner last saw them' USING ERRCODE = 'BT409';
  END IF;
  RETURN true;
END
$$;
