// The `$variables` of a runtime expression (dsl.md, "Runtime expression arguments"), plus the
// variables tasks bring into scope: `for` items/indexes, the caught error of `catch.as`, the
// event of a `listen.foreach`. Values are built on demand: only names an expression mentions.
import type { CompiledTask } from './compile.ts';
import type { VarResolver } from './expressions.ts';
import { dateTimeDescriptor } from './lifecycle.ts';
import type { Run } from './run.ts';
import type { Frame } from './state.ts';

const DEFAULT_RUNTIME = { name: 'baton', version: '0.1.0' };

export function resolverFor(run: Run, f: string, extra?: { rawOutput?: unknown; output?: unknown; vars?: Record<string, unknown> }): VarResolver {
  return (name) => {
    if (extra?.vars && name in extra.vars) return extra.vars[name];
    const frame = run.s.frames[f];
    switch (name) {
      case 'context':
        return run.s.context ?? null;
      case 'input':
        return frame?.in ?? null;
      case 'output':
        return extra && 'output' in extra ? extra.output : null;
      case 'secrets':
        // The runner holds no secrets: evalExpr refuses `$secrets` (403) before asking for it.
        return undefined;
      case 'runtime':
        return run.env.runtime ?? DEFAULT_RUNTIME;
      case 'authorization':
        return frame?.au ?? null;
      case 'workflow':
        return {
          id: run.env.runId,
          definition: run.wf.document,
          input: run.s.input ?? null,
          startedAt: dateTimeDescriptor(run.s.startedAt ?? run.env.now),
        };
      case 'task':
        return frame && frame.ref !== '' ? taskDescriptor(run.task(frame), frame, extra?.rawOutput) : null;
      default:
        return scopedVariable(run, frame, name);
    }
  };
}

function taskDescriptor(task: CompiledTask, frame: Frame, rawOutput: unknown) {
  return {
    name: task.name,
    reference: task.ref,
    definition: task.def,
    input: frame.raw !== undefined ? frame.raw : frame.in,
    output: rawOutput ?? null,
    startedAt: dateTimeDescriptor(frame.at),
  };
}

/** Walks up the frames for a task that brought `name` into scope. */
function scopedVariable(run: Run, frame: Frame | undefined, name: string): unknown {
  for (let current = frame; current !== undefined; current = current.p === undefined ? undefined : run.s.frames[current.p]) {
    if (current.ref === '') return undefined;
    const spec = run.task(current).spec;
    if (spec.type === 'for' && current.items !== undefined) {
      if (name === spec.each) return current.items[current.k ?? 0] ?? null;
      if (name === spec.at) return current.k ?? 0;
    } else if (spec.type === 'try' && current.ph === 'catch' && name === spec.catch.as) {
      return current.err;
    } else if (spec.type === 'listen' && spec.foreach && current.ph === 'foreach') {
      if (name === spec.foreach.item) return current.q?.[0] ?? null;
      if (name === spec.foreach.at) return current.k ?? 0;
    }
  }
  return undefined;
}
