// The undici Agent every call goes through: keep-alive pooling, connect timeout, and the
// address policy applied to the address actually dialled. DNS answers are checked inside the
// socket's own `lookup`, so there is no gap between "checked" and "connected" (DNS rebinding).
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { Agent, buildConnector } from 'undici';
import { type AddressDenial, type AddressPolicy, isIpLiteral, stripBrackets } from './address-policy.ts';

/** Raised (through undici) when the policy refuses every address of a host. */
export class AddressDeniedError extends Error {
  override readonly name = 'AddressDeniedError';
  readonly code = 'BATON_ADDRESS_DENIED';
  constructor(
    readonly host: string,
    readonly denials: AddressDenial[],
  ) {
    const first = denials[0];
    const what = first ? `${first.address} (rule ${first.rule}: ${first.reason})` : 'no address';
    const via = first && first.address !== host ? `${host} resolves to ` : '';
    super(`outbound connection refused: ${via}${what}`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** dns.lookup, keeping only the addresses the policy allows. */
export function checkedLookup(policy: AddressPolicy): LookupFunction {
  return ((hostname: string, options: LookupOptions, callback: LookupCallback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const denials: AddressDenial[] = [];
      const allowed = addresses.filter((entry) => {
        const denial = policy.check(entry.address);
        if (denial) denials.push(denial);
        return denial === undefined;
      });
      const first = allowed[0];
      if (!first) return callback(new AddressDeniedError(hostname, denials), []);
      if (options.all) return callback(null, allowed);
      callback(null, first.address, first.family);
    });
  }) as LookupFunction;
}

export interface AgentConfig {
  policy: AddressPolicy;
  connectTimeoutMs: number;
  /** Per-request limits are enforced by the caller's AbortSignal; these only must not cut earlier. */
  timeoutMs: number;
  /** Sockets kept per origin; bounded by the worker's concurrency anyway. */
  connectionsPerOrigin?: number;
}

export function createCheckedAgent(config: AgentConfig): Agent {
  const connectChecked = buildConnector({ timeout: config.connectTimeoutMs, lookup: checkedLookup(config.policy) });
  const connect: buildConnector.connector = (options, callback) => {
    // net.connect skips `lookup` for IP literals, so those are checked here, before any packet.
    if (isIpLiteral(options.hostname)) {
      const denial = config.policy.check(options.hostname);
      if (denial) return callback(new AddressDeniedError(options.hostname, [denial]), null);
      return connectChecked({ ...options, hostname: stripBrackets(options.hostname) }, callback);
    }
    connectChecked(options, callback);
  };
  return new Agent({
    connect,
    connections: config.connectionsPerOrigin ?? null,
    keepAliveTimeout: 4_000,
    headersTimeout: config.timeoutMs,
    bodyTimeout: config.timeoutMs,
  });
}
