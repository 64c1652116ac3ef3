// `baton [global options] COMMAND [args]`: the connection options may be written before the
// command as well as after it. Kept free of the HTTP client so that `baton jq` stays light.
import type { ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** The options every API command takes, wherever they stand on the command line. */
export const CONNECTION_OPTIONS = {
  url: { type: 'string' },
  'api-key': { type: 'string' },
  output: { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export type CommandLine =
  | { kind: 'command'; name: string; args: string[] }
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'usage-error'; message: string };

/**
 * Finds the command after the global options. Those options are handed to the command ahead of
 * its own arguments, so it parses (and checks) them exactly as if they had followed it; a
 * command that takes no connection options refuses them the same way in both places.
 */
export function splitCommandLine(argv: string[]): CommandLine {
  const leading: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') return commandAt(argv, i + 1, leading);
    if (!arg.startsWith('-') || arg === '-') return commandAt(argv, i, leading);
    if (arg === '--version' || arg === '-V') return { kind: 'version' };
    const option = globalOption(arg);
    if (option === undefined) return { kind: 'usage-error', message: `unknown option '${arg}' before the command (a command's own options go after it)` };
    leading.push(arg);
    if (option.type === 'string' && !option.inline) {
      const value = argv[i + 1];
      if (value === undefined) return { kind: 'usage-error', message: `option '${arg}' needs a value` };
      leading.push(value);
      i++;
    }
  }
  return leading.some(isHelp) ? { kind: 'help' } : { kind: 'usage-error', message: 'missing command' };
}

function commandAt(argv: string[], index: number, leading: string[]): CommandLine {
  const name = argv[index];
  if (name === undefined) return leading.some(isHelp) ? { kind: 'help' } : { kind: 'usage-error', message: 'missing command' };
  if (name === 'help') return { kind: 'help' };
  return { kind: 'command', name, args: [...leading, ...argv.slice(index + 1)] };
}

function isHelp(arg: string): boolean {
  return arg === '--help' || arg === '-h';
}

/** The global option an argument names (`--url`, `--url=X`, `-o`, `-ojson`), if it is one. */
function globalOption(arg: string): { type: 'string' | 'boolean'; inline: boolean } | undefined {
  for (const [name, option] of Object.entries(CONNECTION_OPTIONS) as Array<[string, { type: 'string' | 'boolean'; short?: string }]>) {
    if (arg === `--${name}`) return { type: option.type, inline: false };
    if (option.type === 'string' && arg.startsWith(`--${name}=`)) return { type: option.type, inline: true };
    if (option.short === undefined) continue;
    if (arg === `-${option.short}`) return { type: option.type, inline: false };
    if (option.type === 'string' && arg.startsWith(`-${option.short}`)) return { type: option.type, inline: true };
  }
  return undefined;
}
