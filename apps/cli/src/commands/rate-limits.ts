// `baton rate-limits list|get|set|delete`: the named rate limits of a namespace (docs/OPERATIONS.md,
// "Rate limits") — requests per second/minute (for a host, or for the tasks that name them) and
// LLM tokens per minute (for a model, or for the agent steps that name them).
import type { RateLimit, RateLimitRequest } from '@baton/sdk';
import { CONNECTION_HELP, Exit, UsageError, clientFor, connectionFrom, expectPositionals, parseCommandArgs } from '../api/args.ts';
import { json, table } from '../api/format.ts';
import { processIo, runApiCommand, type CommandIo } from '../api/report.ts';

export const USAGE = `usage: baton rate-limits list [--namespace N]
       baton rate-limits get NAMESPACE/NAME
       baton rate-limits set NAMESPACE/NAME --requests N|--tokens N [--per second|minute] [--host H | --model M]
       baton rate-limits delete NAMESPACE/NAME

set declares the limit or replaces it. --requests N: N calls per period (--host: every call: http
/ openapi of the namespace to that host). --tokens N: N LLM tokens per period, counted from what the
model reports (--model: every agent step of the namespace on that model). --per: second or minute
(default minute). A task names a limit with metadata.baton.rateLimit: NAME; over it, it waits.

${CONNECTION_HELP}
`;

const OPTIONS = {
  namespace: { type: 'string' },
  requests: { type: 'string' },
  tokens: { type: 'string' },
  per: { type: 'string' },
  host: { type: 'string' },
  model: { type: 'string' },
} as const;

export function rateLimitsTable(limits: RateLimit[]): string {
  return table(
    ['NAMESPACE', 'NAME', 'LIMIT', 'APPLIES TO'],
    limits.map((l) => [l.namespace, l.name, `${l.limit} ${l.kind}/${l.per}`, l.host !== undefined ? `host ${l.host}` : l.model !== undefined ? `model ${l.model}` : 'tasks that name it']),
  );
}

function describe(l: RateLimit): string {
  return `${l.namespace}/${l.name}: ${l.limit} ${l.kind} per ${l.per}${l.host !== undefined ? ` (host ${l.host})` : ''}${l.model !== undefined ? ` (model ${l.model})` : ''}\n`;
}

/** NAMESPACE/NAME → its parts. */
function limitRef(ref: string): [string, string] {
  const at = ref.indexOf('/');
  if (at <= 0 || at === ref.length - 1) throw new UsageError(`"${ref}" is not NAMESPACE/NAME (e.g. prod/openai-tpm)`);
  return [ref.slice(0, at), ref.slice(at + 1)];
}

function count(option: string, value: string): number {
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`--${option} takes a whole number above 0, not "${value}"`);
  return Number(value);
}

function requestOf(values: { requests?: string; tokens?: string; per?: string; host?: string; model?: string }): RateLimitRequest {
  if ((values.requests === undefined) === (values.tokens === undefined)) throw new UsageError('give one of --requests N or --tokens N');
  const per = values.per ?? 'minute';
  if (per !== 'second' && per !== 'minute') throw new UsageError(`--per takes second or minute, not "${per}"`);
  const kind = values.requests !== undefined ? 'requests' : 'tokens';
  if (kind === 'tokens' && values.host !== undefined) throw new UsageError('--host goes with --requests (a tokens limit takes --model)');
  if (kind === 'requests' && values.model !== undefined) throw new UsageError('--model goes with --tokens (a requests limit takes --host)');
  return { kind, per, limit: count(kind, (values.requests ?? values.tokens)!), ...(values.host !== undefined && { host: values.host }), ...(values.model !== undefined && { model: values.model }) };
}

export async function run(args: string[], io: CommandIo = processIo): Promise<number> {
  return runApiCommand(USAGE, io, async () => {
    const { values, positionals } = parseCommandArgs(args, OPTIONS);
    const [sub, ...rest] = positionals;
    if (values.help) {
      io.out(USAGE);
      return Exit.ok;
    }
    const connection = connectionFrom(values);
    const client = clientFor(connection);
    switch (sub) {
      case 'list': {
        expectPositionals(rest, []);
        const limits = await client.listRateLimits(values.namespace !== undefined ? { namespace: values.namespace } : {});
        io.out(connection.output === 'json' ? json(limits) : limits.length === 0 ? 'no rate limits\n' : rateLimitsTable(limits));
        return Exit.ok;
      }
      case 'get': {
        const [ref = ''] = expectPositionals(rest, ['NAMESPACE/NAME']);
        const limit = await client.getRateLimit(...limitRef(ref));
        io.out(connection.output === 'json' ? json(limit) : describe(limit));
        return Exit.ok;
      }
      case 'set': {
        const [ref = ''] = expectPositionals(rest, ['NAMESPACE/NAME']);
        const limit = await client.setRateLimit(...limitRef(ref), requestOf(values));
        io.out(connection.output === 'json' ? json(limit) : describe(limit));
        return Exit.ok;
      }
      case 'delete': {
        const [ref = ''] = expectPositionals(rest, ['NAMESPACE/NAME']);
        const [namespace, name] = limitRef(ref);
        await client.deleteRateLimit(namespace, name);
        io.out(connection.output === 'json' ? json({ deleted: `${namespace}/${name}` }) : `rate limit ${namespace}/${name} deleted\n`);
        return Exit.ok;
      }
      default:
        throw new UsageError(sub === undefined ? 'missing sub-command: list, get, set or delete' : `unknown sub-command "${sub}": use list, get, set or delete`);
    }
  });
}
