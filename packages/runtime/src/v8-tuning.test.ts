import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_INTERRUPT_BUDGET, interruptBudget } from './v8-tuning.ts';

describe("V8's tier-up budget", () => {
  it('is lowered by default, set by BATON_V8_INTERRUPT_BUDGET, left to V8 at 0 or when node was given one', () => {
    expect(interruptBudget({}, [])).toBe(DEFAULT_INTERRUPT_BUDGET);
    expect(interruptBudget({ BATON_V8_INTERRUPT_BUDGET: ' ' }, [])).toBe(DEFAULT_INTERRUPT_BUDGET);
    expect(interruptBudget({ BATON_V8_INTERRUPT_BUDGET: '8192' }, [])).toBe(8192);
    expect(interruptBudget({ BATON_V8_INTERRUPT_BUDGET: '0' }, [])).toBeUndefined();
    expect(interruptBudget({ BATON_V8_INTERRUPT_BUDGET: '8192' }, ['--interrupt-budget=1000'])).toBeUndefined();
    expect(interruptBudget({}, ['--interrupt_budget', '1000'])).toBeUndefined();
  });

  it('refuses what is not a whole number, naming the variable', () => {
    for (const raw of ['fast', '-1', '1.5', '1e400']) expect(() => interruptBudget({ BATON_V8_INTERRUPT_BUDGET: raw }, [])).toThrow(/BATON_V8_INTERRUPT_BUDGET must be a whole number/);
  });

  it('stops a process that starts with an invalid one (before any service is up)', () => {
    const module = fileURLToPath(new URL('./v8-tuning.ts', import.meta.url));
    let stderr = '';
    try {
      execFileSync(process.execPath, ['--import', 'tsx', '-e', `await import(${JSON.stringify(module)})`, '--input-type=module'], { env: { ...process.env, BATON_V8_INTERRUPT_BUDGET: 'fast' }, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (error) {
      stderr = String((error as { stderr?: Buffer }).stderr);
    }
    expect(stderr).toMatch(/BATON_V8_INTERRUPT_BUDGET must be a whole number of bytes of bytecode/);
  });
});
