// `baton jq FILTER`: runs a jq filter with Baton's engine — the exact semantics workflow
// expressions get, including `$ENV` (empty, unless --host-env) — over the JSON values on
// standard input, printing one compact JSON line per result (as `jq -c` does). Exit 0 on
// success, 2 on a usage or input error, 3 on a compile error and 5 on a runtime error (as jq).
import { compileJq, JqCompileError, jqToJson, JqLimitError, JqRuntimeError, JqTimeoutError, parseJsonStream } from '@baton/core/jq';
import { processIo, type CommandIo } from '../io.ts';

export const USAGE = `usage: baton jq [options] [--] FILTER

Reads JSON values from standard input (whitespace-separated, like jq), applies FILTER to each
and prints every result as one compact JSON line. \`input\` and \`inputs\` read the next values.
A FILTER that starts with '-' (\`-1\`, \`-.a\`) is a filter, as in jq; after \`--\` every
argument is.

options:
  -n, --null-input          run the filter once, with null as input (stdin is read only when
                            the filter uses input or inputs)
  -r, --raw-output          print strings without quotes
  --arg NAME VALUE          bind $NAME to the string VALUE
  --argjson NAME JSON       bind $NAME to the JSON value
  --host-env                bind $ENV and env to this shell's environment; by default they are
                            {}, as in workflows (where they never see the host's environment)
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

/** jq's rule: an argument is an option when it is '-', '--…', or '-' and a letter; `-1` is a filter. */
function isOption(a: string): boolean {
  return a.startsWith('-') && (a.length === 1 || a[1] === '-' || /[A-Za-z]/.test(a[1]!));
}

/** Hand-rolled because --arg takes two values, which node:util's parseArgs cannot express. */
function parseOptions(args: string[]): Options | string {
  const options: Options = { filter: '', nullInput: false, raw: false, vars: {}, timeoutMs: 1000 };
  let filter: string | undefined;
  let optionsDone = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (optionsDone || !isOption(a)) {
      if (filter !== undefined) return `unexpected argument ${a}`;
      filter = a;
    } else if (a === '--') optionsDone = true;
    else if (a === '-n' || a === '--null-input') options.nullInput = true;
    else if (a === '-r' || a === '--raw-output') options.raw = true;
    else if (a === '-c' || a === '--compact-output') continue;
    else if (a === '--host-env') options.vars.ENV = { ...process.env };
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
    } else return `unknown option ${a}`;
  }
  if (filter === undefined) return 'no filter given';
  options.filter = filter;
  return options;
}

export async function run(args: string[], io: JqIo = processIo): Promise<number> {
  const end = args.indexOf('--');
  const flags = end < 0 ? args : args.slice(0, end);
  if (flags.includes('-h') || flags.includes('--help')) {
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
  let values: unknown[];
  try {
    // With -n, stdin holds only what input/inputs read: it is not waited for otherwise.
    const readsInputs = /\binputs?\b/.test(options.filter);
    values = options.nullInput && !readsInputs ? [] : parseJsonStream(await io.readStdin());
  } catch (error) {
    io.err(`jq: error (at <stdin>): ${(error as Error).message}\n`);
    return 2;
  }
  // One stream, shared by the inputs the filter runs on and those input/inputs read (as jq).
  const stream = values[Symbol.iterator]();
  let status = 0;
  for (let next = options.nullInput ? { done: false, value: null } : stream.next(); !next.done; next = stream.next()) {
    try {
      for (const value of program.all(next.value, options.vars, { timeoutMs: options.timeoutMs, inputs: stream })) {
        io.out(`${options.raw && typeof value === 'string' ? value : jqToJson(value)}\n`);
      }
    } catch (error) {
      if (error instanceof JqCompileError) {
        io.err(`jq: error: ${error.message}\njq: 1 compile error\n`);
        return 3;
      }
      if (!(error instanceof JqRuntimeError) && !(error instanceof JqTimeoutError) && !(error instanceof JqLimitError)) throw error;
      io.err(`jq: error (at <stdin>): ${error.message}\n`);
      status = 5; // like jq: report, go on with the next input, exit 5 at the end
    }
    if (options.nullInput) break;
  }
  return status;
}
