import { withGrants } from '@baton/core';
import { outboundPolicyFromEnv } from '@baton/http-worker';
import { startHttpTarget } from '@baton/testkit';
import { describe, expect, it } from 'vitest';
import { deliverNotifications, type NotifyAttempt, type NotifyOptions } from './notify.ts';

const base = { publicUrl: 'http://localhost:8081', linkTtlMs: 60_000, attempts: 2, backoffMs: 1, timeoutMs: 2_000 };
const options: NotifyOptions = { ...base, outbound: outboundPolicyFromEnv({}) };
// Issue #12, row 9: the same variable that makes call: http refuse loopback.
const noPrivate: NotifyOptions = { ...base, outbound: outboundPolicyFromEnv({ HTTP_WORKER_ALLOW_PRIVATE: 'false' }) };

function notice(url: unknown) {
  return { approvalId: 'a1', runId: 'r1', namespace: 'ns', workflowName: 'wf', taskName: 'review', title: 'Ship it?', level: 0, approvers: ['ada'], quorum: 1, notify: [{ url, format: 'json' as const }], hasForm: false };
}

async function deliver(url: unknown, opts: NotifyOptions, secrets: Record<string, unknown> = {}): Promise<NotifyAttempt[]> {
  const attempts: NotifyAttempt[] = [];
  await deliverNotifications(notice(url) as never, opts, secrets, async (a) => void attempts.push(a), new AbortController().signal);
  return attempts;
}

describe('webhook notifications and the outbound address rules', () => {
  it('refuses cloud-metadata and link-local targets before any packet is sent', async () => {
    const attempts = await deliver('http://169.254.169.254/latest/meta-data', options);
    expect(attempts).toEqual([expect.objectContaining({ ok: false, refused: true, final: true, attempt: 1 })]);
    expect(attempts[0]!.error).toMatch(/169\.254\.169\.254.*(refused|denied)|(refused|denied).*169\.254\.169\.254/i);
  });

  it('still delivers to an allowed (loopback) target', async () => {
    const target = await startHttpTarget();
    try {
      const attempts = await deliver(`${target.url}/hook`, options);
      expect(attempts).toEqual([expect.objectContaining({ ok: true, status: 200, final: true })]);
      expect(target.total()).toBe(1);
    } finally {
      await target.close();
    }
  });

  it('row 9: with HTTP_WORKER_ALLOW_PRIVATE=false, webhooks to 127.0.0.1 and [::1] are refused like call: http, once, without the URL path', async () => {
    const target = await startHttpTarget();
    try {
      const port = new URL(target.url).port;
      for (const host of ['127.0.0.1', '[::1]']) {
        const attempts = await deliver(`http://${host}:${port}/hooks/T0-SECRET-PATH?token=abc`, noPrivate);
        expect(attempts).toEqual([expect.objectContaining({ ok: false, refused: true, final: true, attempt: 1, host: `${host}:${port}` })]);
        expect(attempts[0]!.error).toContain('outbound connection refused');
        expect(JSON.stringify(attempts)).not.toContain('T0-SECRET-PATH');
      }
      expect(target.total()).toBe(0);
    } finally {
      await target.close();
    }
  });

  it('an allow list opens a private range again, as for call: http', async () => {
    const target = await startHttpTarget();
    try {
      const opened = { ...base, outbound: outboundPolicyFromEnv({ HTTP_WORKER_ALLOW_PRIVATE: 'false', HTTP_WORKER_ALLOW_CIDRS: '127.0.0.1/32' }) };
      expect(await deliver(`${target.url}/hook`, opened)).toEqual([expect.objectContaining({ ok: true, status: 200 })]);
    } finally {
      await target.close();
    }
  });
});

describe('webhook URLs from secrets', () => {
  const webhook = 'https://hooks.example/services/T000/B000/very-secret-path';

  it('a URL secret not granted to the approval namespace is refused with the authorization problem, nothing sent', async () => {
    const secrets = withGrants({ SLACK: webhook }, { SLACK: ['other'] });
    const attempts = await deliver({ $deferred: '$secrets.SLACK', input: null, context: null, namespace: 'ns' }, options, secrets);
    expect(attempts).toEqual([expect.objectContaining({ ok: false, refused: true, final: true, host: 'unresolved' })]);
    expect(attempts[0]!.error).toContain('secret "SLACK" does not exist or is not granted to namespace "ns"');
  });

  it('masks a granted secret that shows up in an error text', async () => {
    const secrets = withGrants({ SLACK: 'not a url but secret-ish' }, { SLACK: ['ns'] });
    const attempts = await deliver({ $deferred: '$secrets.SLACK | error', input: null, context: null, namespace: 'ns' }, options, secrets);
    expect(attempts[0]!.ok).toBe(false);
    expect(JSON.stringify(attempts)).not.toContain('secret-ish');
    expect(attempts[0]!.error).toContain('***');
  });
});
