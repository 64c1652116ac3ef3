// The fuzzer's own HTTP sockets: an error of a socket that no request listens to any more must not
// escape as an uncaught exception (which fails a fuzz run with `fuzzerErrors` although Baton did
// nothing wrong). The server here answers a POST (keep-alive) at its first bytes, stops reading
// and closes: the rest of the body fails to be written after the answer has ended — node's
// client then left the socket without an 'error' listener (wire.ts, GuardedAgent).
import { once } from 'node:events';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { send, straySocketErrors } from './wire.ts';

let server: Server;
let base = '';
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('data', () => {
      socket.pause(); // the body is left unread: the client's write cannot complete
      socket.write('HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\n\r\nno', () => {
        socket.end();
        setTimeout(() => socket.destroy(), 50); // closed with unread bytes: a reset
      });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  server.close();
  await once(server, 'close');
});

it('an answer that came before the body was written, then a reset: the answer counts, the write error is counted as stray, nothing escapes', async () => {
  const escaped: unknown[] = [];
  const record = (error: unknown) => escaped.push(error);
  process.on('uncaughtException', record);
  try {
    const before = Object.values(straySocketErrors).reduce((sum, n) => sum + n, 0);
    for (let i = 0; i < 3; i++) {
      const answer = await send(base, { method: 'POST', target: '/things', headers: [['content-type', 'application/json']], body: { base64: Buffer.alloc(16 << 20, 0x20).toString('base64') } }, 10_000);
      expect(answer.status).toBe(401);
    }
    // The write fails after the answer: give the reset a moment to arrive.
    for (let waited = 0; waited < 2_000 && Object.values(straySocketErrors).reduce((sum, n) => sum + n, 0) < before + 3; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(escaped).toEqual([]);
    expect(Object.values(straySocketErrors).reduce((sum, n) => sum + n, 0)).toBe(before + 3);
    expect(Object.keys(straySocketErrors).every((key) => /^node:http keep-alive: write (ECONNRESET|EPIPE)$/.test(key))).toBe(true);
  } finally {
    process.off('uncaughtException', record);
  }
});
