// Pure formatting helpers (no DOM): durations, times, statuses, JSON. Unit-tested in tests/web.

/** Every run status, in the order of the runs list's filter; `suspended`: paused by an operator until resumed. */
export const RUN_STATUSES = ['pending', 'running', 'waiting', 'suspended', 'completed', 'faulted', 'cancelled'];
const TERMINAL = new Set(['completed', 'faulted', 'cancelled']);

export function isTerminal(status) {
  return TERMINAL.has(status);
}

/** 850 ms, 12.3 s, 4 m 05 s, 2 h 03 m, 3 d 4 h. */
export function formatDuration(ms) {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const total = Math.floor(s);
  const [d, h, m, sec] = [Math.floor(total / 86400), Math.floor(total / 3600) % 24, Math.floor(total / 60) % 60, total % 60];
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} m`;
  return `${m} m ${String(sec).padStart(2, '0')} s`;
}

/** How long a run has taken: start (or creation) to end, or to `now` while it goes on. */
export function runDuration(run, now = Date.now()) {
  const from = Date.parse(run.startedAt ?? run.createdAt);
  const to = run.endedAt ? Date.parse(run.endedAt) : isTerminal(run.status) ? Date.parse(run.updatedAt) : now;
  return Number.isFinite(from) && Number.isFinite(to) ? Math.max(0, to - from) : NaN;
}

/** "just now", "5 min ago", "3 h ago", "in 5 min", "in 2 d", then a date (deadlines are in the future). */
export function relativeTime(iso, now = Date.now()) {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '—';
  const s = Math.round((now - t) / 1000);
  const future = s < 0;
  const a = Math.abs(s);
  if (a < 10) return future ? 'in a few seconds' : 'just now';
  let span;
  if (a < 60) span = `${a} s`;
  else if (a < 3600) span = `${Math.floor(a / 60)} min`;
  else if (a < 86400) span = `${Math.floor(a / 3600)} h`;
  else if (future && a < 30 * 86400) span = `${Math.floor(a / 86400)} d`;
  else return new Date(t).toISOString().slice(0, 10);
  return future ? `in ${span}` : `${span} ago`;
}

/** 2026-11-27 11:10:12.486 UTC (what an operator compares with logs). */
export function formatTimestamp(iso) {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? `${new Date(t).toISOString().replace('T', ' ').replace('Z', '')} UTC` : '—';
}

/** Run ids are UUIDv7: the tail is the distinctive part. */
export function shortId(id) {
  const text = String(id);
  return text.length > 13 ? `…${text.slice(-12)}` : text;
}

export function prettyJson(value) {
  if (value === undefined) return '';
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

/** A usage counter's value for people: token counts grouped, costs in dollars. */
export function formatUsage(name, value) {
  if (typeof value !== 'number') return String(value);
  if (/cost/i.test(name)) return `$${value.toFixed(value < 0.01 ? 4 : 2)}`;
  return value.toLocaleString('en-US');
}

/** Parse the JSON of an input editor: { ok, value } or { ok: false, error } with a readable reason. */
export function parseJsonInput(text) {
  if (text.trim() === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

/** The message of an RFC 9457 problem (or anything thrown) for a person. */
export function problemText(problem) {
  if (!problem || typeof problem !== 'object') return String(problem ?? 'unknown error');
  const head = [problem.title, problem.status].filter((x) => x !== undefined).join(' ');
  const detail = problem.detail ?? problem.message ?? '';
  return head && detail ? `${head}: ${detail}` : head || detail || 'unknown error';
}
