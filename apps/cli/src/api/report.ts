// Turning failures into one clear line on stderr (plus the problem list of a validation error)
// and an exit code. Every API command runs inside `runApiCommand`.
import { BatonApiError, BatonConnectionError, BatonResponseError } from '@baton/sdk';
import { Exit, UsageError } from './args.ts';

export interface CommandIo {
  out: (text: string) => void;
  err: (text: string) => void;
  /** The terminal's width when the output is one (lines are fitted to it), else undefined. */
  width?: number | undefined;
}

export const processIo: CommandIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  get width() {
    return process.stdout.isTTY ? process.stdout.columns : undefined;
  },
};

/** Runs a command body; usage errors exit 2 (with the usage text), API and I/O failures exit 1. */
export async function runApiCommand(usage: string, io: CommandIo, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`baton: ${error.message}\n\n${usage}`);
      return Exit.usage;
    }
    io.err(describeFailure(error));
    return Exit.failure;
  }
}

/** The lines to print for a failure, ending with a newline. */
export function describeFailure(error: unknown, prefix = 'baton: '): string {
  if (error instanceof BatonConnectionError) {
    const why = error.refused ? ' — is it running? (npm start)' : ` (${error.reason})`;
    return `${prefix}cannot reach Baton at ${error.baseUrl}${why}\n`;
  }
  if (error instanceof BatonApiError) return `${prefix}${problemLine(error)}\n${problemList(error)}${hintFor(error)}`;
  if (error instanceof BatonResponseError) return `${prefix}${error.message} — is the URL a Baton API?\n`;
  const message = error instanceof Error ? error.message : String(error);
  return `${prefix}${message}\n`;
}

/** "Title: detail (HTTP status)". */
export function problemLine(error: BatonApiError): string {
  const detail = error.detail && error.detail !== error.title ? `: ${error.detail}` : '';
  return `${error.title}${detail} (HTTP ${error.status})`;
}

/** One indented line per validation problem: JSON Pointer (and source line:column), message. */
export function problemList(error: BatonApiError, indent = '  '): string {
  return error.problems.map((p) => `${indent}${problemItemLine(p)}\n`).join('');
}

export function problemItemLine(item: { path: string; message: string; line?: unknown; column?: unknown }): string {
  const at = typeof item.line === 'number' ? ` (line ${item.line}${typeof item.column === 'number' ? `:${item.column}` : ''})` : '';
  return `${item.path || '(root)'}${at}: ${item.message}`;
}

function hintFor(error: BatonApiError): string {
  if (error.status === 401) return '  set BATON_API_KEY or pass --api-key (an admin key is printed by `baton start` the first time)\n';
  return '';
}
