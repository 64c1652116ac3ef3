// A run's events as they happen. First choice: the fanout WebSocket (docs/STREAMING.md) with a
// short-lived stream token in the URL, since a browser cannot set headers on a WebSocket. When
// the fanout cannot be reached (not deployed yet, a proxy in between, tokens disabled) the feed
// polls GET /api/v1/runs/{id}/events?after=SEQ instead. Either way events arrive in seq order,
// each once: the caller's timeline drops anything at or below the last seq it has.
/* global WebSocket, window, setTimeout, clearTimeout */
import { api, runPath, settings } from './api.js';

const POLL_MS = 1000;
const CONNECT_TIMEOUT_MS = 4000;
const PROTOCOL = 'baton.stream.v1';

/**
 * The URL set in the key dialog; else the fanout the API names (GET /api/v1/info: streamUrl, an
 * http(s) base URL) at /v1/stream; else ws(s)://<page host>:8085/v1/stream.
 */
export function streamUrl(location, override, advertised) {
  if (override) return override;
  if (advertised) return `${advertised.replace(/^http/, 'ws').replace(/\/+$/, '')}/v1/stream`;
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.hostname.includes(':') ? `[${location.hostname}]` : location.hostname}:8085/v1/stream`;
}

/** The API's streamUrl, asked once per page (undefined from an API without GET /api/v1/info). */
let advertisedStream;
function advertisedStreamUrl() {
  advertisedStream ??= api('GET', '/api/v1/info').then(
    (info) => (typeof info?.streamUrl === 'string' ? info.streamUrl : undefined),
    () => {
      advertisedStream = undefined; // ask again next time (a key entered later, the API back up)
      return undefined;
    },
  );
  return advertisedStream;
}

/**
 * followRun(id, after, { onEvents(events), onMode(mode), isDone() }) → stop()
 * mode: 'connecting' | 'live' | 'polling' | 'finished' | 'stopped'. isDone() says when the run
 * has ended (its terminal event arrived): the feed then closes its socket or stops polling.
 */
export function followRun(runId, after, handlers) {
  let stopped = false;
  let lastSeq = after;
  let socket;
  let timer;
  let polling = false;
  const deliver = (events) => {
    const fresh = events.filter((e) => e.seq > lastSeq);
    if (fresh.length === 0) return;
    lastSeq = fresh[fresh.length - 1].seq;
    handlers.onEvents(fresh);
  };

  let finalRead = false;
  const poll = async () => {
    if (stopped) return;
    try {
      for (;;) {
        const page = await api('GET', `${runPath(runId)}/events`, { query: { after: lastSeq, limit: 1000 } });
        deliver(page.items);
        if (page.items.length < 1000) break;
      }
    } catch (error) {
      handlers.onError?.(error);
    }
    if (stopped) return;
    if (finalRead) return handlers.onMode('finished');
    // One more read after the terminal event arrived, for events stored just after it.
    finalRead = handlers.isDone();
    timer = setTimeout(poll, POLL_MS);
  };
  // A finished run sends nothing more: let the server forget the connection.
  const finish = () => {
    const done = socket;
    socket = undefined;
    done?.close(1000);
    handlers.onMode('finished');
  };
  const fallBack = (reason) => {
    if (stopped || polling) return;
    polling = true;
    const abandoned = socket;
    socket = undefined;
    abandoned?.close();
    handlers.onMode('polling', reason);
    void poll();
  };

  const connect = async () => {
    handlers.onMode('connecting');
    let token;
    try {
      token = (await api('POST', '/api/v1/stream-tokens', { body: { ttlSeconds: 60 } })).token;
    } catch (error) {
      return fallBack(`no stream token (${error.message})`);
    }
    const advertised = settings.streamUrl ? undefined : await advertisedStreamUrl();
    if (stopped) return;
    const url = new URL(streamUrl(window.location, settings.streamUrl, advertised));
    url.searchParams.set('token', token);
    openSocket(url.toString());
  };

  const openSocket = (url) => {
    let open = false;
    let caughtUp = false;
    let ws;
    try {
      ws = socket = new WebSocket(url, PROTOCOL);
    } catch (error) {
      return fallBack(`cannot open ${url.split('?')[0]} (${error.message})`);
    }
    const giveUp = setTimeout(() => !open && ws.close(), CONNECT_TIMEOUT_MS);
    ws.onmessage = (message) => {
      if (ws !== socket) return;
      const data = JSON.parse(message.data);
      if (data.hello) {
        open = true;
        clearTimeout(giveUp);
        ws.send(JSON.stringify({ subscribe: { run: runId, after: lastSeq }, id: 1 }));
      } else if (data.specversion) deliver([data]);
      else if (data.caughtUp) {
        caughtUp = true;
        handlers.onMode('live');
      }
      else if (data.error) return fallBack(`stream refused the subscription: ${data.error.detail ?? data.error.title}`);
      // Not before the replay is over: what the store has after the terminal event (a late audit
      // event) is still shown.
      if (caughtUp && handlers.isDone()) finish();
    };
    ws.onclose = (event) => {
      clearTimeout(giveUp);
      if (stopped || ws !== socket) return;
      // Dropped after it worked (restart, slow consumer, idle): resume from the last seq; else poll.
      if (open && event.code !== 4001) return void setTimeout(() => void connect(), 500);
      fallBack(open ? 'the API key was revoked' : `the event stream at ${url.split('?')[0]} is not reachable`);
    };
  };

  void connect();
  return () => {
    stopped = true;
    clearTimeout(timer);
    socket?.close(1000);
    handlers.onMode('stopped');
  };
}
