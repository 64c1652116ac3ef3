// Prometheus metrics of the fanout (names are prefixed fanout_ so they do not clash in the
// all-in-one process, which shares one registry between services).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface FanoutMetrics {
  connections: Gauge<'transport'>;
  subscriptions: Gauge<'kind'>;
  topicEvents: Counter;
  deliveries: Counter<'source'>;
  /** Plain tallies, added to `deliveries` when it is collected (a scrape): prom-client's
   *  labels().inc() hashes and validates the labels on every call, once per delivery. */
  liveDeliveries: Tally;
  replayDeliveries: Tally;
  closes: Counter<'reason'>;
  rejected: Counter<'status'>;
  gapReplays: Counter;
  /** Event time (set by the runner when it decided) to the moment this replica dispatches it. */
  dispatchLag: Histogram;
}

/** A count kept as a number and flushed into a Counter at collection. */
export class Tally {
  count = 0;
  inc(): void {
    this.count += 1;
  }
}

export function fanoutMetrics(registry: Registry): FanoutMetrics {
  const registers = [registry];
  const live = new Tally();
  const replay = new Tally();
  const deliveries = new Counter({
    name: 'fanout_deliveries_total',
    help: 'Events sent to clients (live: from the topic; replay: from the store)',
    labelNames: ['source'] as const,
    registers,
    collect() {
      // Both series from the first scrape on, at 0 until something was delivered (as before).
      for (const [source, tally] of [['live', live], ['replay', replay]] as const) {
        this.inc({ source }, tally.count);
        tally.count = 0;
      }
    },
  });
  return {
    connections: new Gauge({ name: 'fanout_connections', help: 'Open stream connections', labelNames: ['transport'], registers }),
    subscriptions: new Gauge({ name: 'fanout_subscriptions', help: 'Active subscriptions', labelNames: ['kind'], registers }),
    topicEvents: new Counter({ name: 'fanout_topic_events_total', help: 'Run events read from the events topic', registers }),
    deliveries,
    liveDeliveries: live,
    replayDeliveries: replay,
    closes: new Counter({ name: 'fanout_closes_total', help: 'Connections closed by the server, by reason', labelNames: ['reason'], registers }),
    rejected: new Counter({ name: 'fanout_rejected_connections_total', help: 'Connections refused before the handshake, by HTTP status', labelNames: ['status'], registers }),
    gapReplays: new Counter({ name: 'fanout_gap_replays_total', help: 'Live run feeds sent back to the store by a gap in seq or a quiet period', registers }),
    dispatchLag: new Histogram({
      name: 'fanout_dispatch_lag_seconds',
      help: 'From the event time to its dispatch by this replica',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}
