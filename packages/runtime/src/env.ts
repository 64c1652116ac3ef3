// Environment variables, with the Docker/Kubernetes secrets convention: every variable NAME may
// instead be given as NAME_FILE, the path of a file holding the value.
import { readFileSync } from 'node:fs';

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** NAME, or the trimmed content of the file named by NAME_FILE; NAME wins when both are set. */
export function readEnv(env: Env, name: string): string | undefined {
  const direct = env[name];
  if (direct !== undefined && direct !== '') return direct;
  const file = env[`${name}_FILE`];
  if (file === undefined || file === '') return undefined;
  try {
    return readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (error) {
    throw new ConfigError(`${name}_FILE points to '${file}', which cannot be read: ${(error as Error).message}`);
  }
}

/**
 * The longest delay, in ms, a Node.js timer keeps: setTimeout fires a longer one after 1 ms. A
 * duration setting (a NAME ending in _MS) is refused past it (24.8 days) rather than cut short.
 */
export const MAX_TIMER_MS = 2_147_483_647;
/** What a duration setting past MAX_TIMER_MS is told (every service's configuration says it alike). */
export const MAX_TIMER_TEXT = `at most ${MAX_TIMER_MS} ms (24.8 days, the longest timer Node.js keeps)`;

export function readInt(env: Env, name: string, fallback: number, min = 0): number {
  const raw = readEnv(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got '${raw}'`);
  }
  if (name.endsWith('_MS') && value > MAX_TIMER_MS) {
    throw new ConfigError(`${name} must be ${MAX_TIMER_TEXT}, got '${raw}'`);
  }
  return value;
}

export function readBool(env: Env, name: string, fallback: boolean): boolean {
  const raw = readEnv(env, name);
  if (raw === undefined) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got '${raw}'`);
}
