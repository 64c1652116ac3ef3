// `baton jq FILTER`: runs a jq filter with Baton's engine — the exact semantics workflow
// expressions get — over the JSON values on standard input, printing one compact JSON line per
// result (as `jq -c` does). Exit 0 on success, 2 on a usage or input error, 3 on a compile
// error and 5 on a runtime error (as jq).
import { compileJq, JqCompileError, jqToJson, JqRuntimeError, JqTimeoutError, parseJsonStream } from '@baton/core/jq';
import { processIo, type CommandIo } from '../io.ts';

export const USAGE = `usage: baton jq [options] FILTER

Reads JSON values from standard input (whitespace-separated, like jq), applies FILTER to each
and prints every result as one compact JSON line.

options:
  -n, --null-input          run the filter once, with null as input (stdin is not read)
  -r, --raw-output          print strings without quotes
  --arg NAME VALUE          bind $NAME to the string VALUE
  --argjson NAME JSON       bind $NAME to the JSON value
  --timeout-ms N            time limit of one evaluation (default 1000)
  -h, --help                show this help

exit status: 0 ok, 2 usage or input error, 3 compile error, 5 runtime error
`;

export type JqIo = CommandIo;

interface Options {
  filter: string;
  nullInput: boolean;
  raw: boolean;
  vars: Record<string, unknown>;
  timeoutMs: number;
}

/** Hand-rolled because --arg takes two values, which node:util's parseArgs cannot express. */
function parseOptions(args: string[]): Options | string {
  // Like jq, the command line tool exposes the process environment as $ENV / env.
  const options: Options = { filter: '', nullInput: false, raw: false, vars: { ENV: { ...process.env } }, timeoutMs: 1000 };
  let filter: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-n' || a === '--null-input') options.nullInput = true;
    else if (a === '-r' || a === '--raw-output') options.raw = true;
    else if (a === '-c' || a === '--compact-output') continue;
    else if (a === '--arg' || a === '--argjson') {
      const name = args[++i];
      const value = args[++i];
      if (name === undefined || value === undefined) return `${a} takes two parameters (e.g. ${a} varname value)`;
      if (a === '--arg') options.vars[name] = value;
      else {
        try {
          options.vars[name] = JSON.parse(value) as unknown;
        } catch {
          return `invalid JSON text passed to --argjson`;
        }
      }
    } else if (a === '--timeout-ms') {
      const n = Number(args[++i]);
      if (!(n > 0)) return '--timeout-ms takes a positive number';
      options.timeoutMs = n;
    } else if (a.startsWith('-') && a.length > 1 && filter === undefined) return `unknown option ${a}`;
    else if (filter === undefined) filter = a;
    else return `unexpected argument ${a}`;
  }
  if (filter === undefined) return 'no filter given';
  options.filter = filter;
  return options;
}

export async function run(args: string[], io: JqIo = processIo): Promise<number> {
  if (args.includes('-h') || args.includes('--help')) {
    io.out(USAGE);
    return 0;
  }
  const options = parseOptions(args);
  if (typeof options === 'string') {
    io.err(`baton jq: ${options}\n\n${USAGE}`);
    return 2;
  }
  let program;
  try {
    program = compileJq(options.filter);
  } catch (error) {
    io.err(`jq: error: ${(error as Error).message}\njq: 1 compile error\n`);
    return 3;
  }
  let inputs: unknown[];
  try {
    inputs = options.nullInput ? [null] : parseJsonStream(await io.readStdin());
  } catch (error) {
    io.err(`jq: error (at <stdin>): ${(error as Error).message}\n`);
    return 2;
  }
  let status = 0;
  for (const input of inputs) {
    try {
      for (const value of program.all(input, options.vars, { timeoutMs: options.timeoutMs })) {
        io.out(`${options.raw && typeof value === 'string' ? value : jqToJson(value)}\n`);
      }
    } catch (error) {
      if (error instanceof JqCompileError) {
        io.err(`jq: error: ${error.message}\njq: 1 compile error\n`);
        return 3;
      }
      if (!(error instanceof JqRuntimeError) && !(error instanceof JqTimeoutError)) throw error;
      io.err(`jq: error (at <stdin>): ${error.message}\n`);
      status = 5; // like jq: report, go on with the next input, exit 5 at the end
    }
  }
  return status;
}
