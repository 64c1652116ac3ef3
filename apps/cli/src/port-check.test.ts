import { once } from 'node:events';
import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { assertPortsFree } from './port-check.ts';

it('names a port already in use and its variable; a free port and port 0 pass', async () => {
  const taken = createServer().listen(0, '127.0.0.1');
  await once(taken, 'listening');
  const { port } = taken.address() as { port: number };
  try {
    await expect(assertPortsFree([{ port: 0, host: '127.0.0.1', variable: 'FANOUT_PORT' }, { port, host: '127.0.0.1', variable: 'ORCHESTRATOR_PORT' }])).rejects.toThrow(
      `port ${port} (ORCHESTRATOR_PORT) is already in use — is Baton already running? Stop it, or set ORCHESTRATOR_PORT to a free port`,
    );
  } finally {
    taken.close();
    await once(taken, 'close');
  }
  await expect(assertPortsFree([{ port, host: '127.0.0.1', variable: 'ORCHESTRATOR_PORT' }])).resolves.toBeUndefined();
});
