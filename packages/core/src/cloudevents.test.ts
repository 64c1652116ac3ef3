import { describe, expect, it } from 'vitest';
import { toCloudEvent } from './cloudevents.ts';

describe('toCloudEvent', () => {
  it('formats a run event as a CloudEvents 1.0 structured event with runid and seq', () => {
    const record = { runId: 'r-1', seq: 7, id: 'ev-7', type: 'io.serverlessworkflow.task.completed.v1', time: '2026-01-01T00:00:00.000Z', data: { output: 1 } };
    expect(toCloudEvent(record, { namespace: 'shop', name: 'checkout' })).toEqual({
      specversion: '1.0',
      id: 'ev-7',
      source: 'baton://shop/checkout',
      type: 'io.serverlessworkflow.task.completed.v1',
      time: '2026-01-01T00:00:00.000Z',
      subject: 'r-1',
      datacontenttype: 'application/json',
      data: { output: 1 },
      runid: 'r-1',
      seq: 7,
    });
  });

  it('keeps the source a valid URI whatever the names hold', () => {
    expect(toCloudEvent({ runId: 'r', seq: 1, id: 'e', type: 't', time: 'x', data: null }, { namespace: 'a b', name: 'c/d' }).source).toBe('baton://a%20b/c%2Fd');
  });
});
