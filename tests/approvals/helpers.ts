// Shared steps of the approval scenarios: workflows with an approval step, waiting for the
// approval to open and the run to end, and the link of an approver.
import { signApprovalLink } from '@baton/hitl-worker/tokens';

export type Api = <T = any>(method: string, path: string, body?: unknown, contentType?: string) => Promise<{ status: number; body: T }>;

export function approvalDoc(name: string, approval: Record<string, unknown>, extra: { after?: boolean } = {}): object {
  const tasks: object[] = [{ review: { call: 'approval:1.0.0@default', with: approval } }];
  if (extra.after !== false) tasks.push({ next: { set: { decision: '${ .decision }', by: '${ .by }', data: '${ .data }' } } });
  return { document: { dsl: '1.0.0', namespace: 'test', name, version: '1.0.0' }, do: tasks };
}

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export async function startRun(api: Api, name: string, input: unknown = {}): Promise<string> {
  const res = await api<{ id: string }>('POST', '/api/v1/runs', { namespace: 'test', name, input });
  if (res.status !== 201) throw new Error(`starting ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/** The run's approval once it is open (the runner wrote it with the attempt). */
export async function openApprovalOf(api: Api, runId: string): Promise<any> {
  return until(`the approval of run ${runId}`, async () => {
    const res = await api<{ items: any[] }>('GET', '/api/v1/approvals?status=pending&limit=500');
    return res.body.items.find((a) => a.runId === runId);
  });
}

export async function finishedRun(api: Api, runId: string, timeoutMs = 15_000): Promise<any> {
  return until(`run ${runId} to finish`, async () => {
    const res = await api<any>('GET', `/api/v1/runs/${runId}`);
    return ['completed', 'faulted', 'cancelled'].includes(res.body.status) ? res.body : undefined;
  }, timeoutMs);
}

export function linkToken(secret: string, approvalId: string, approver: string, level = 0, expiresInSeconds = 600): string {
  return signApprovalLink(secret, { approvalId, approver, level, exp: Math.floor(Date.now() / 1000) + expiresInSeconds });
}
