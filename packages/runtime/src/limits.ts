// Run limits: what one run may consume (the interpreter's README "Limits", docs/SECURITY.md).
//   BATON_LIMITS        JSON or YAML: {"default": {…}, "namespaces": {"team-a": {…}}}
//   BATON_LIMITS_FILE   the path of a file holding the same (the NAME_FILE convention of env.ts)
// A member left out keeps Baton's default (DEFAULT_LIMITS); a namespace's members override
// `default`, member by member. Sizes (`…Bytes`) are bytes or text such as "2 MiB" / "512 KB".
import { DEFAULT_LIMITS, LIMIT_NAMES, MAX_VALUE_DEPTH } from '@baton/core/interpreter';
import type { LimitName, Limits } from '@baton/core/interpreter';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ConfigError, readEnv } from './env.ts';
import type { Env } from './env.ts';

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30 };

/** A count: a whole number >= 0. */
const Count = z.number({ error: 'must be a whole number' }).int('must be a whole number').min(0, 'must be 0 or more');

/** A size: bytes, or a number with a unit (B, KB, MB, GB, KiB, MiB, GiB). */
const Size = z.union([Count, z.string()], { error: 'must be a whole number of bytes or a size such as "2 MiB" or "512 KB"' }).transform((value, context) => {
  if (typeof value === 'number') return value;
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
  const unit = UNITS[(match?.[2] || 'b').toLowerCase()];
  if (!match || unit === undefined) {
    context.addIssue({ code: 'custom', message: `must be a number of bytes or a size such as "2 MiB" or "512 KB", not "${value}"` });
    return z.NEVER;
  }
  return Math.round(Number(match[1]) * unit);
});

/** A decision must take a step, or a run that yields would never move. */
const schemaOf = (name: LimitName) =>
  name.endsWith('Bytes')
    ? Size
    : name === 'valueDepth'
      ? Count.min(1, 'must be 1 or more').max(MAX_VALUE_DEPTH, `must be ${MAX_VALUE_DEPTH.toLocaleString('en-US')} or less (deeper values could not be saved)`)
      : name === 'stepsPerDecision' || name === 'expressionMs'
        ? Count.min(1, 'must be 1 or more')
        : Count;

const LimitsSchema = z.strictObject(Object.fromEntries(LIMIT_NAMES.map((name) => [name, schemaOf(name).optional()])) as Record<LimitName, z.ZodOptional<typeof Count>>);

const ConfigSchema = z.strictObject({
  default: LimitsSchema.optional(),
  namespaces: z.record(z.string().min(1, 'a namespace name cannot be empty'), LimitsSchema).optional(),
});

type Overrides = Partial<Record<LimitName, number>>;

/** The limits of every namespace, read once at start. */
export interface LimitsConfig {
  /** Baton's defaults with `default` over them: the limits of a namespace not listed. */
  readonly defaults: Limits;
  /** The effective limits of a namespace (defaults, then its own overrides). */
  limitsFor(namespace: string): Limits;
  /** The smallest valueBytes of any namespace: a value within it is within every namespace's limit. */
  readonly valueBytesFloor: number;
}

/** Reads BATON_LIMITS / BATON_LIMITS_FILE; throws ConfigError naming what is wrong. */
export function loadLimits(env: Env): LimitsConfig {
  const text = readEnv(env, 'BATON_LIMITS');
  return text === undefined ? limitsConfig({}, {}) : parseLimits(text, env.BATON_LIMITS ? 'BATON_LIMITS' : `BATON_LIMITS_FILE '${env.BATON_LIMITS_FILE}'`);
}

/** Parses the text of BATON_LIMITS (JSON or YAML); `source` names it in errors. */
export function parseLimits(text: string, source = 'BATON_LIMITS'): LimitsConfig {
  let value: unknown;
  try {
    value = text.trim() === '' ? {} : parseYaml(text);
  } catch (error) {
    throw new ConfigError(`${source} is neither JSON nor YAML: ${(error as Error).message}`);
  }
  const parsed = ConfigSchema.safeParse(value ?? {});
  if (!parsed.success) {
    throw new ConfigError(`${source}: ${parsed.error.issues.map(explain).join('; ')}`);
  }
  return limitsConfig(parsed.data.default ?? {}, parsed.data.namespaces ?? {});
}

function limitsConfig(defaults: Overrides, namespaces: Record<string, Overrides>): LimitsConfig {
  const base: Limits = Object.freeze({ ...DEFAULT_LIMITS, ...defaults });
  const resolved = new Map(Object.entries(namespaces).map(([namespace, own]) => [namespace, Object.freeze({ ...base, ...own }) as Limits]));
  const valueBytesFloor = Math.min(base.valueBytes, ...[...resolved.values()].map((limits) => limits.valueBytes));
  return { defaults: base, limitsFor: (namespace) => resolved.get(namespace) ?? base, valueBytesFloor };
}

const SHAPE = '{"default": {limit: value, …}, "namespaces": {"<namespace>": {limit: value, …}}}';

/** One problem, named by where it is (`namespaces.team-a.valueBytes`) and what would be right. */
function explain(issue: z.core.$ZodIssue): string {
  const where = issue.path.map(String).join('.');
  const atRoot = issue.path.length === 0;
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((k) => `'${k}'`).join(', ');
    return atRoot ? `unknown member ${keys}: the value must be ${SHAPE}` : `${where}: unknown limit ${keys} (limits: ${LIMIT_NAMES.join(', ')})`;
  }
  if (issue.code === 'invalid_type' && (issue.expected === 'object' || issue.expected === 'record')) {
    return atRoot ? `must be ${SHAPE}` : `${where} must be a map (${issue.path.length === 1 && issue.path[0] === 'namespaces' ? 'namespace → limits' : 'limit → value'})`;
  }
  return `${where || '(the value)'} ${issue.message}`;
}

let fromProcess: LimitsConfig | undefined;

/**
 * The limits of `namespace`, from this process's environment (read at the first call; a service
 * calls loadLimits at start instead, so that a bad BATON_LIMITS stops it at once).
 */
export function limitsFor(namespace: string): Limits {
  fromProcess ??= loadLimits(process.env);
  return fromProcess.limitsFor(namespace);
}
