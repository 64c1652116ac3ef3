// `baton start` checks its ports before it opens the database or starts a worker, so that a port
// already taken is one line naming the port and its variable — not a stack trace after the
// workers have already touched the data.
import { createServer } from 'node:net';
import { StartupError } from './data-lock.ts';

export interface WantedPort {
  port: number;
  host: string;
  /** The variable that sets it, for the message (ORCHESTRATOR_PORT, FANOUT_PORT). */
  variable: string;
}

/** Throws StartupError for the first port something else listens on (port 0 is never taken). */
export async function assertPortsFree(ports: WantedPort[]): Promise<void> {
  for (const wanted of ports) {
    if (wanted.port === 0) continue;
    const error = await tryListen(wanted.port, wanted.host);
    if (error !== undefined) throw portError(wanted, error);
  }
}

/** The one-line error of a listen that failed, or the error itself when it is not about the port. */
export function portError(wanted: WantedPort, error: NodeJS.ErrnoException): Error {
  if (error.code === 'EADDRINUSE') {
    return new StartupError(`port ${wanted.port} (${wanted.variable}) is already in use — is Baton already running? Stop it, or set ${wanted.variable} to a free port`);
  }
  if (error.code === 'EACCES') return new StartupError(`port ${wanted.port} (${wanted.variable}) needs privileges this user does not have: set ${wanted.variable} to a port above 1023`);
  if (error.code === 'EADDRNOTAVAIL') return new StartupError(`cannot listen on ${wanted.host}:${wanted.port} (${wanted.variable}): this machine has no such address`);
  return error;
}

function tryListen(port: number, host: string): Promise<NodeJS.ErrnoException | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}
