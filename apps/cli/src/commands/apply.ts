// `baton apply -f FILE|DIR …`: register workflow documents; one line per file (created or
// unchanged), the problem list of an invalid document, exit 1 if any file failed.
import { readFile, readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { BatonApiError, BatonConnectionError, type BatonClient, type ProblemItem, type WorkflowFormat, type WorkflowSummary } from '@baton/sdk';
import { CONNECTION_HELP, Exit, UsageError, clientFor, connectionFrom, parseCommandArgs } from '../api/args.ts';
import { json } from '../api/format.ts';
import { readStdin } from '../io.ts';
import { describeFailure, problemItemLine, processIo, runApiCommand, type CommandIo } from '../api/report.ts';

export const USAGE = `usage: baton apply -f FILE|DIR|- [-f FILE|DIR …]

Registers Serverless Workflow documents (.yaml, .yml, .json). A directory means the documents
directly inside it; - reads one document from stdin. Prints "created" or "unchanged" per file;
exits 1 if any file failed.

${CONNECTION_HELP}
`;

const EXTENSIONS: Record<string, WorkflowFormat> = { '.yaml': 'yaml', '.yml': 'yaml', '.json': 'json' };

export type ApplyOutcome =
  | { file: string; outcome: 'created' | 'unchanged'; workflow: WorkflowSummary }
  | { file: string; outcome: 'failed'; error: string; problems?: ProblemItem[] };

export async function run(args: string[], io: CommandIo = processIo): Promise<number> {
  return runApiCommand(USAGE, io, async () => {
    const { values, positionals } = parseCommandArgs(args, { file: { type: 'string', short: 'f', multiple: true } });
    if (values.help) {
      io.out(USAGE);
      return Exit.ok;
    }
    const connection = connectionFrom(values);
    const targets = [...(values.file ?? []), ...positionals];
    if (targets.length === 0) throw new UsageError('no file given: use -f FILE (or a directory)');
    const files = await expandTargets(targets);
    const client = clientFor(connection);
    const outcomes: ApplyOutcome[] = [];
    for (const file of files) {
      const outcome = await applyFile(client, file);
      outcomes.push(outcome);
      if (connection.output === 'human') (outcome.outcome === 'failed' ? io.err : io.out)(describeOutcome(outcome));
    }
    if (connection.output === 'json') io.out(json(outcomes));
    return outcomes.some((o) => o.outcome === 'failed') ? Exit.failure : Exit.ok;
  });
}

/** Files named directly, and the workflow documents directly inside named directories (sorted). */
export async function expandTargets(targets: string[]): Promise<string[]> {
  const files: string[] = [];
  for (const target of targets) {
    if (target === '-') {
      files.push(target);
      continue;
    }
    const info = await stat(target).catch(() => {
      throw new UsageError(`${target}: no such file or directory`);
    });
    if (!info.isDirectory()) {
      files.push(target);
      continue;
    }
    const entries = (await readdir(target, { withFileTypes: true })).filter((e) => e.isFile() && extname(e.name).toLowerCase() in EXTENSIONS);
    if (entries.length === 0) throw new UsageError(`${target}: no .yaml, .yml or .json file in this directory`);
    files.push(...entries.map((e) => join(target, e.name)).sort());
  }
  return files;
}

async function applyFile(client: BatonClient, file: string): Promise<ApplyOutcome> {
  try {
    const text = file === '-' ? await readStdin() : await readFile(file, 'utf8');
    const format = EXTENSIONS[extname(file).toLowerCase()];
    const result = await client.applyWorkflow(text, format ? { format } : {});
    return { file, outcome: result.created ? 'created' : 'unchanged', workflow: result.workflow };
  } catch (error) {
    // No server: every other file would fail the same way; one message says it all.
    if (error instanceof BatonConnectionError) throw error;
    const failed: ApplyOutcome = { file, outcome: 'failed', error: describeFailure(error, '').trimEnd().split('\n')[0] ?? '' };
    if (error instanceof BatonApiError && error.problems.length > 0) failed.problems = error.problems;
    return failed;
  }
}

export function describeOutcome(outcome: ApplyOutcome): string {
  if (outcome.outcome !== 'failed') {
    const w = outcome.workflow;
    return `${outcome.outcome.padEnd(9)} ${w.namespace}/${w.name}@${w.version}  (${outcome.file})\n`;
  }
  const problems = (outcome.problems ?? []).map((p) => `    ${problemItemLine(p)}\n`).join('');
  return `failed    ${outcome.file}: ${outcome.error}\n${problems}`;
}
