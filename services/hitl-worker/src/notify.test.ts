import { describe, expect, it } from 'vitest';
import { startHttpTarget } from '@baton/testkit';
import { deliverNotifications, type NotifyAttempt, type NotifyOptions } from './notify.ts';

const options: NotifyOptions = { publicUrl: 'http://localhost:8081', linkTtlMs: 60_000, attempts: 2, backoffMs: 1, timeoutMs: 2_000 } as NotifyOptions;

function notice(url: string) {
  return { approvalId: 'a1', runId: 'r1', namespace: 'ns', workflowName: 'wf', taskName: 'review', title: 'Ship it?', level: 0, approvers: ['ada'], quorum: 1, notify: [{ url, format: 'json' as const }], hasForm: false };
}

describe('webhook notifications and the outbound address rules', () => {
  it('refuses cloud-metadata and link-local targets before any packet is sent', async () => {
    const attempts: NotifyAttempt[] = [];
    await deliverNotifications(notice('http://169.254.169.254/latest/meta-data'), options, {}, async (a) => void attempts.push(a), new AbortController().signal);
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.every((a) => !a.ok)).toBe(true);
    expect(attempts.at(-1)!.final).toBe(true);
    expect(attempts[0]!.error).toMatch(/169\.254\.169\.254.*(refused|denied)|(refused|denied).*169\.254\.169\.254/i);
  });

  it('still delivers to an allowed (loopback) target', async () => {
    const target = await startHttpTarget();
    try {
      const attempts: NotifyAttempt[] = [];
      await deliverNotifications(notice(`${target.url}/hook`), options, {}, async (a) => void attempts.push(a), new AbortController().signal);
      expect(attempts).toEqual([expect.objectContaining({ ok: true, status: 200, final: true })]);
      expect(target.total()).toBe(1);
    } finally {
      await target.close();
    }
  });
});
