// `baton validate FILE|DIR …`: check Serverless Workflow documents offline — the official schema,
// Baton's profile, the semantic rules and every jq expression — exactly as the API does when a
// workflow is registered. Exit 0 if all are valid, 1 if any is not, 2 on a usage or read error.
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadWorkflow } from '@baton/core/document';
import type { Problem, SourceFormat } from '@baton/core/document';
import { processIo, type CommandIo } from '../io.ts';

export const USAGE = `usage: baton validate [--json] FILE|DIR|- …

Validates Serverless Workflow documents (.yaml, .yml, .json; a directory means the documents
directly inside it; '-' reads standard input). Prints "FILE: valid" or one line per problem:
  FILE:LINE:COL PATH message
where PATH is a JSON Pointer into the document. Problems marked [unsupported: …] are valid
Serverless Workflow that Baton does not run yet.

options:
  --json      print one JSON array: [{ file, valid, problems: [{ path, message, feature?, line?, column? }] }]
  -h, --help  show this help

exit status: 0 all valid, 1 some document invalid, 2 usage error or unreadable file
`;

const DOCUMENT_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

export type ValidateIo = CommandIo;

interface FileReport {
  file: string;
  valid: boolean;
  problems: Problem[];
}

export async function run(args: string[], io: ValidateIo = processIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, options: { json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  } catch (error) {
    io.err(`baton validate: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.values.help) {
    io.out(USAGE);
    return 0;
  }
  if (parsed.positionals.length === 0) {
    io.err(`baton validate: no file given\n\n${USAGE}`);
    return 2;
  }
  let readFailed = false;
  const reports: FileReport[] = [];
  for (const target of parsed.positionals) {
    for (const file of await expand(target)) {
      const report = await validateFile(file, io);
      if (!report) {
        readFailed = true;
        continue;
      }
      reports.push(report);
      if (!parsed.values.json) io.out(describe(report));
    }
  }
  if (parsed.values.json) io.out(`${JSON.stringify(reports, null, 2)}\n`);
  if (readFailed) return 2;
  return reports.every((r) => r.valid) ? 0 : 1;
}

async function validateFile(file: string, io: ValidateIo): Promise<FileReport | undefined> {
  let text: string;
  try {
    text = file === '-' ? await io.readStdin() : await readFile(file, 'utf8');
  } catch (error) {
    io.err(`${file}: cannot read: ${(error as Error).message}\n`);
    return undefined;
  }
  const format: SourceFormat | undefined = extname(file).toLowerCase() === '.json' ? 'json' : undefined;
  const result = loadWorkflow(text, format);
  return result.ok ? { file, valid: true, problems: [] } : { file, valid: false, problems: result.problems };
}

/** A directory stands for the documents directly inside it; anything else is taken as a file. */
async function expand(target: string): Promise<string[]> {
  if (target === '-') return [target];
  const info = await stat(target).catch(() => undefined);
  if (!info?.isDirectory()) return [target];
  const names = await readdir(target);
  return names.filter((n) => DOCUMENT_EXTENSIONS.has(extname(n).toLowerCase())).sort().map((n) => join(target, n));
}

function describe(report: FileReport): string {
  if (report.valid) return `${report.file}: valid\n`;
  return report.problems.map((p) => `${describeProblem(report.file, p)}\n`).join('');
}

function describeProblem(file: string, problem: Problem): string {
  const where = problem.line !== undefined ? `${file}:${problem.line}:${problem.column ?? 1}` : `${file}:`;
  const feature = problem.feature ? ` [unsupported: ${problem.feature}]` : '';
  return `${where} ${problem.path || '(root)'} ${problem.message}${feature}`;
}
