// Argument parsing for the API commands (node:util parseArgs), the connection options they share
// (--url, --api-key, -o) and the usage error that maps to exit code 2.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BatonClient } from '@baton/sdk';
import { CONNECTION_OPTIONS } from '../command-line.ts';

export const DEFAULT_URL = 'http://localhost:8081';

/** Exit codes of every API command. */
export const Exit = { ok: 0, failure: 1, usage: 2, stillRunning: 3 } as const;

/** Bad command line: the command prints the message and its usage, and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type OutputFormat = 'human' | 'json';

export interface Connection {
  url: string;
  apiKey: string | undefined;
  output: OutputFormat;
}

type Options = NonNullable<ParseArgsConfig['options']>;

export { CONNECTION_OPTIONS };

export const CONNECTION_HELP = `connection (before or after the command):
  --url URL          Baton API (default $BATON_URL or ${DEFAULT_URL})
  --api-key KEY      API key (default $BATON_API_KEY, else the key \`baton start\` saved in ./data)
  -o, --output FMT   human (default) or json`;

/** parseArgs with the connection options added, throwing UsageError on bad input. */
export function parseCommandArgs<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...CONNECTION_OPTIONS, ...options }, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function connectionFrom(values: { url?: unknown; 'api-key'?: unknown; output?: unknown }, env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Connection {
  const output = values.output === undefined ? 'human' : String(values.output);
  if (output !== 'human' && output !== 'json') throw new UsageError(`-o must be "human" or "json", got "${output}"`);
  const url = stringValue(values.url) ?? nonEmpty(env.BATON_URL) ?? DEFAULT_URL;
  if (!isHttpUrl(url)) throw new UsageError(`--url: "${url}" is not an http(s) URL (e.g. ${DEFAULT_URL})`);
  const apiKey = stringValue(values['api-key']) ?? nonEmpty(env.BATON_API_KEY) ?? (isLocal(url) ? savedApiKey(env, cwd) : undefined);
  return { url, apiKey, output };
}

export function clientFor(connection: Connection): BatonClient {
  return new BatonClient({ baseUrl: connection.url, apiKey: connection.apiKey });
}

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}

/** A key saved on this machine is only ever sent to this machine. */
function isLocal(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}

/** The admin key `baton start` keeps in its data folder, so the CLI works on the same machine. */
function savedApiKey(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const file = savedApiKeyFile(env, cwd);
  if (file === undefined || !existsSync(file)) return undefined;
  try {
    return nonEmpty(readFileSync(file, 'utf8').trim());
  } catch {
    return undefined;
  }
}

/**
 * Where that key is: in BATON_DATA_DIR when it is set; else in the nearest `data` folder holding
 * one, in this folder or a parent (as git finds .git), so the CLI finds it from any subfolder of
 * the checkout where `npm start` runs.
 */
export function savedApiKeyFile(env: NodeJS.ProcessEnv, cwd: string): string | undefined {
  const configured = nonEmpty(env.BATON_DATA_DIR);
  if (configured !== undefined) return join(resolve(cwd, configured), 'api-key');
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const file = join(dir, 'data', 'api-key');
    if (existsSync(file)) return file;
    if (dirname(dir) === dir) return undefined;
  }
}

function stringValue(value: unknown): string | undefined {
  return typeof value === 'string' ? nonEmpty(value) : undefined;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** A positive integer option, or UsageError naming the option. */
export function positiveInt(value: string | undefined, option: string, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${option} must be an integer ≥ ${min}, got "${value}"`);
  return n;
}

/** JSON given on the command line (or read from a file named by `where`), or UsageError naming where. */
export function parseJsonArgument(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${where}: not valid JSON (${(error as Error).message})`);
  }
}

/** Exactly `count` positionals, or UsageError saying what is expected. */
export function expectPositionals(positionals: string[], names: string[]): string[] {
  if (positionals.length < names.length) throw new UsageError(`missing ${names.slice(positionals.length).join(' ')}`);
  if (positionals.length > names.length) throw new UsageError(`unexpected argument "${positionals[names.length]}"`);
  return positionals;
}
