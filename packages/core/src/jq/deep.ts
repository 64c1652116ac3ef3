// Recursion over values that may be nested deeper than the JavaScript stack allows. jq keeps
// its own stack on the heap, so it compares, merges and checks containment of values 10,000
// levels deep; here such functions are written as generators that yield where they would
// recurse, and `trampoline` runs them with a stack of its own.

/** A recursive step: yields the arguments of each recursive call, receives its result. */
export type Step<A extends unknown[], R> = (...args: A) => Generator<A, R, R>;

/** jq's depth limit for containment checks and object merges (values deeper than this fail). */
export const MAX_DEPTH = 10_000;

/** Runs `step(...args)`, turning each `yield args` into a call on an explicit stack. */
export function trampoline<A extends unknown[], R>(step: Step<A, R>, ...args: A): R {
  const stack: Generator<A, R, R>[] = [step(...args)];
  let result: R | undefined;
  for (;;) {
    const top = stack[stack.length - 1]!;
    const next = top.next(result as R);
    if (next.done) {
      stack.pop();
      result = next.value;
      if (stack.length === 0) return result;
    } else {
      stack.push(step(...next.value));
      result = undefined;
    }
  }
}
