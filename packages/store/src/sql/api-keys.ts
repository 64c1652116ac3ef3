// api_keys: only the sha256 of a secret is stored; the secret is shown once, at creation.
import { createHash, randomBytes } from 'node:crypto';
import { uuidv7 } from '@baton/core';
import type { ApiKeyRecord } from '@baton/core';
import type { Queryable, Row } from '../db/types.ts';
import { iso, isoOrUndefined, textOrUndefined, withOptional } from './values.ts';

const COLUMNS = 'id, name, prefix, role, namespace, created_at, revoked_at';
/** Characters of the secret kept in clear so that people can tell their keys apart. */
const PREFIX_LENGTH = 10;

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export function generateSecret(): string {
  return `bt_${randomBytes(32).toString('base64url')}`;
}

function toApiKey(row: Row): ApiKeyRecord {
  const key: ApiKeyRecord = {
    id: row.id as string,
    name: row.name as string,
    prefix: row.prefix as string,
    role: row.role as ApiKeyRecord['role'],
    createdAt: iso(row.created_at),
  };
  withOptional(key, 'namespace', textOrUndefined(row.namespace));
  withOptional(key, 'revokedAt', isoOrUndefined(row.revoked_at));
  return key;
}

export async function createApiKey(
  db: Queryable,
  input: { name: string; role: 'admin' | 'user'; namespace?: string; secret?: string },
): Promise<{ record: ApiKeyRecord; secret: string }> {
  const secret = input.secret ?? generateSecret();
  if (secret.length < 16) throw new RangeError('an API key secret must have at least 16 characters');
  const rows = await db.query(
    `INSERT INTO api_keys (id, name, prefix, key_hash, role, namespace) VALUES ($1, $2, $3, $4, $5, $6)
     RETURNING ${COLUMNS}`,
    [uuidv7(), input.name, secret.slice(0, PREFIX_LENGTH), hashSecret(secret), input.role, input.namespace ?? null],
  );
  return { record: toApiKey(rows[0] as Row), secret };
}

export async function verifyApiKey(db: Queryable, secret: string): Promise<ApiKeyRecord | undefined> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, [hashSecret(secret)]);
  return rows[0] ? toApiKey(rows[0]) : undefined;
}

export async function listApiKeys(db: Queryable): Promise<ApiKeyRecord[]> {
  const rows = await db.query(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`);
  return rows.map(toApiKey);
}

/** true when the key was active and is now revoked. */
export async function revokeApiKey(db: Queryable, id: string): Promise<boolean> {
  const rows = await db.query(
    `UPDATE api_keys SET revoked_at = date_trunc('milliseconds', now()) WHERE id = $1 AND revoked_at IS NULL RETURNING id`,
    [id],
  );
  return rows.length > 0;
}
