-- Child runs are named `<parent id>.<effect id>`, so a run tree is an id prefix: the runs under a
-- top-level run R are the child runs with an id between 'R.' and 'R/' ('/' follows '.' in bytes).
-- The engine counts them when a run starts a child (the runsPerTree limit). text_pattern_ops
-- compares bytes whatever the database's collation; top-level runs are left out of the index.
CREATE INDEX runs_tree ON runs (id text_pattern_ops) WHERE parent_run_id IS NOT NULL;
