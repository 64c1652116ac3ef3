// Every API suite against one backend, sharing one app per file (namespaces keep tests apart).
import { afterAll, beforeAll, describe } from 'vitest';
import { type BackendKind, type Harness, openHarness } from './harness.ts';
import { authSuite } from './suite/auth-keys.ts';
import { edgeSuite } from './suite/edges.ts';
import { hostileSuite } from './suite/hostile.ts';
import { runSuite } from './suite/runs.ts';
import { streamTokenSuite } from './suite/stream-tokens.ts';
import { waitAndEventSuite } from './suite/wait-events.ts';
import { workflowSuite } from './suite/workflows.ts';

export function apiSuites(kind: BackendKind): void {
  describe(`orchestrator API (${kind})`, () => {
    let h: Harness | undefined;
    beforeAll(async () => {
      h = await openHarness(kind);
    });
    afterAll(async () => {
      await h?.close();
    });
    const harness = () => {
      if (!h) throw new Error('the harness did not open');
      return h;
    };
    edgeSuite(harness);
    authSuite(harness);
    workflowSuite(harness);
    runSuite(harness);
    waitAndEventSuite(harness);
    streamTokenSuite(harness);
    hostileSuite(harness);
  });
}
