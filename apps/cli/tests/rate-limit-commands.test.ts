// `baton rate-limits …` as a user runs it: the real `baton` process against the real orchestrator
// (PGlite + in-process bus) listening on 127.0.0.1; the SDK reads back what the CLI declared.
import { BatonClient } from '@baton/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveServer, type LiveServer } from '../../../packages/sdk/tests/live-server.ts';
import { uniqueNamespace } from '../../../packages/sdk/tests/workflows.ts';
import { baton } from './baton-process.ts';

let server: LiveServer;
let env: Record<string, string>;
let ns: string;
let client: BatonClient;

beforeAll(async () => {
  server = await startLiveServer({ runner: false });
  env = { BATON_URL: server.url, BATON_API_KEY: server.apiKey };
  ns = uniqueNamespace('limits');
  client = new BatonClient({ baseUrl: server.url, apiKey: server.apiKey });
});
afterAll(async () => {
  await server?.close();
});

describe('baton rate-limits', () => {
  it('sets, lists, shows, replaces and deletes limits', async () => {
    const set = await baton(['rate-limits', 'set', `${ns}/api`, '--requests', '10', '--per', 'second', '--host', 'api.example.com'], { env });
    expect(set).toMatchObject({ code: 0, stdout: `${ns}/api: 10 requests per second (host api.example.com)\n` });
    expect(await client.getRateLimit(ns, 'api')).toMatchObject({ kind: 'requests', per: 'second', limit: 10, host: 'api.example.com' });
    expect((await baton(['rate-limits', 'set', `${ns}/gpt`, '--tokens', '30000', '--model', 'gpt-4o'], { env })).code).toBe(0);

    const list = await baton(['rate-limits', 'list', '--namespace', ns], { env });
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^NAMESPACE\s+NAME\s+LIMIT\s+APPLIES TO$/m);
    expect(list.stdout).toMatch(new RegExp(`^${ns}\\s+api\\s+10 requests/second\\s+host api.example.com$`, 'm'));
    expect(list.stdout).toMatch(new RegExp(`^${ns}\\s+gpt\\s+30000 tokens/minute\\s+model gpt-4o$`, 'm'));

    const replaced = await baton(['rate-limits', 'set', `${ns}/api`, '--requests', '50', '-o', 'json'], { env });
    expect(JSON.parse(replaced.stdout)).toMatchObject({ namespace: ns, name: 'api', limit: 50, per: 'minute' });
    expect((await baton(['rate-limits', 'get', `${ns}/api`], { env })).stdout).toBe(`${ns}/api: 50 requests per minute\n`);

    expect(await baton(['rate-limits', 'delete', `${ns}/gpt`], { env })).toMatchObject({ code: 0, stdout: `rate limit ${ns}/gpt deleted\n` });
    expect((await client.listRateLimits({ namespace: ns })).map((l) => l.name)).toEqual(['api']);
  });

  it('says what is wrong: bad arguments exit 2, a missing limit or a refused value 1', async () => {
    const both = await baton(['rate-limits', 'set', `${ns}/x`, '--requests', '1', '--tokens', '1'], { env });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('give one of --requests N or --tokens N');
    expect((await baton(['rate-limits', 'set', `${ns}/x`, '--requests', '0'], { env })).code).toBe(2);
    expect((await baton(['rate-limits', 'set', 'no-slash', '--requests', '1'], { env })).stderr).toContain('is not NAMESPACE/NAME');
    const missing = await baton(['rate-limits', 'get', `${ns}/nope`], { env });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`has no rate limit "nope"`);
    const refused = await baton(['rate-limits', 'set', `${ns}/x`, '--requests', '1', '--host', 'http://a/b'], { env });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('/body/host');
  });
});
