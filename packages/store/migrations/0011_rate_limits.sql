-- Rate limits (issue 14, docs/OPERATIONS.md "Rate limits"): named limits per namespace, declared
-- through the API. `requests` per second or minute (with `host`: every call: http / openapi of the
-- namespace to that host), `tokens` per minute (with `model`: every agent step of the namespace on
-- that model). The limiter's state (a GCRA per limit) lives where the workers reach it — Redis, or
-- the embedded process — and is transport-grade: losing it only lets one burst through again.
CREATE TABLE rate_limits (
  namespace   text NOT NULL,
  name        text NOT NULL,
  kind        text NOT NULL CHECK (kind IN ('requests', 'tokens')),
  per         text NOT NULL CHECK (per IN ('second', 'minute')),
  "limit"     integer NOT NULL CHECK ("limit" > 0),
  host        text,
  model       text,
  created_at  timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  updated_at  timestamptz NOT NULL DEFAULT date_trunc('milliseconds', now()),
  PRIMARY KEY (namespace, name),
  CHECK (host IS NULL OR kind = 'requests'),
  CHECK (model IS NULL OR kind = 'tokens')
);
