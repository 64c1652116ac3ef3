// V8's tier-up budget, lowered for every Baton process: imported first by @baton/runtime (which
// each service's main imports first) and by `baton start`, so that it holds before the modules
// that do the work are loaded.
//
// A function runs in V8's interpreter, then its baseline tier, and is optimised by TurboFan once
// it has run `--interrupt-budget` bytes of bytecode since its last check (V8's default: 67,584).
// A Baton service's work is spread over thousands of functions (HTTP, the PostgreSQL and Redis
// protocols, the engine), each called a few hundred times a second: at the default many never get
// there, and a profile under load is dominated by inline-cache stubs of unoptimised code. With a
// quarter of that budget, the services of `npm run bench -- peer` used 13–17 % less CPU per run at
// 20 callers after a 1,000-run warm-up (bench/README.md, stop 26). A sixteenth (since stop 40)
// mostly helps a process that has just started: alternated with a quarter, a freshly started
// deployment's idle transition went 2.72–3.17 → 2.03–2.4 ms (runtime scenario), `baton start`'s
// first 1,000 sequential runs cost 6.3 instead of 7.5 ms of CPU each, and warm runs were no dearer
// (services 564 against 546 runs/s at 20 callers over four rounds each).
//
// BATON_V8_INTERRUPT_BUDGET sets another budget (0: V8's own); an --interrupt-budget given to
// node on its command line wins over both.
import { setFlagsFromString } from 'node:v8';

export const DEFAULT_INTERRUPT_BUDGET = 4_096;

/** The budget this process runs with: undefined when V8's own default applies. */
export function interruptBudget(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): number | undefined {
  if (execArgv.some((arg) => /^--interrupt[-_]budget(=|$)/.test(arg))) return undefined;
  const raw = env.BATON_V8_INTERRUPT_BUDGET;
  if (raw === undefined || raw.trim() === '') return DEFAULT_INTERRUPT_BUDGET;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`BATON_V8_INTERRUPT_BUDGET must be a whole number of bytes of bytecode (0: V8's default), not ${JSON.stringify(raw)}`);
  return value === 0 ? undefined : value;
}

const budget = interruptBudget();
if (budget !== undefined) setFlagsFromString(`--interrupt-budget=${budget}`);
