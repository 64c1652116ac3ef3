// The listing sub-commands (`runs list`, `approvals list`): their paging options, a status filter
// checked against the API's statuses, and one page or every page printed as a table or JSON.
import type { Page } from '@baton/sdk';
import { Exit, UsageError, positiveInt, type Connection } from './args.ts';
import { json } from './format.ts';
import type { CommandIo } from './report.ts';

export const PAGING_OPTIONS = {
  limit: { type: 'string' },
  cursor: { type: 'string' },
  all: { type: 'boolean' },
} as const;

export const PAGING_HELP = `  --limit N      items per page (default 50)
  --all          every matching item, page after page`;

/** `--limit` and `--cursor` as query members; `--all` with `--cursor` is a usage error. */
export function pageQuery(values: { limit?: string; cursor?: string; all?: boolean }): { limit?: number; cursor?: string } {
  if (values.all && values.cursor !== undefined) throw new UsageError('give --cursor or --all, not both');
  const query: { limit?: number; cursor?: string } = {};
  const limit = positiveInt(values.limit, '--limit');
  if (limit !== undefined) query.limit = limit;
  if (values.cursor !== undefined) query.cursor = values.cursor;
  return query;
}

/** A `--status` value, one of `statuses`. */
export function statusOption<S extends string>(value: string | undefined, statuses: readonly S[]): S | undefined {
  if (value !== undefined && !(statuses as readonly string[]).includes(value)) throw new UsageError(`--status must be one of ${statuses.join(', ')}, got "${value}"`);
  return value as S | undefined;
}

export interface Listing<T> {
  /** One page (the query's --limit and --cursor). */
  page: () => Promise<Page<T>>;
  /** Every item, page after page (--all). */
  every: () => AsyncIterable<T>;
  /** The human table of a non-empty list. */
  table: (items: T[]) => string;
  /** Plural noun for "no runs" and "more runs: …". */
  noun: string;
}

/** Prints one page (telling on stderr how to get more) or every page; -o json prints the page object, or the array of all items. */
export async function printListing<T>(listing: Listing<T>, all: boolean, connection: Connection, io: CommandIo): Promise<number> {
  let items: T[];
  let nextCursor: string | undefined;
  if (all) {
    items = [];
    for await (const item of listing.every()) items.push(item);
  } else {
    ({ items, nextCursor } = await listing.page());
  }
  if (connection.output === 'json') {
    io.out(json(all ? items : { items, ...(nextCursor !== undefined && { nextCursor }) }));
    return Exit.ok;
  }
  io.out(items.length === 0 ? `no ${listing.noun}\n` : listing.table(items));
  if (nextCursor !== undefined) io.err(`more ${listing.noun}: add --all, or --cursor ${nextCursor}\n`);
  return Exit.ok;
}
