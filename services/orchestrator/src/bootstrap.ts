// The first admin key. With BATON_API_KEY the operator chooses the secret; without it, a fresh
// store gets a generated admin key whose secret the launcher prints once.
import type { Store } from '@baton/core';

export interface BootstrapResult {
  /** Set only when a key was generated here: the launcher shows it once, nothing stores it in clear. */
  secret?: string;
  created: boolean;
}

/** BATON_API_KEY cannot be used as the bootstrap admin key; the message says why and what to do. */
export class BootstrapKeyError extends Error {
  override readonly name = 'BootstrapKeyError';
}

const BOOTSTRAP_NAME = 'bootstrap-admin';
const MIN_SECRET_LENGTH = 16;

export async function ensureBootstrapKey(store: Store, options: { apiKey?: string }): Promise<BootstrapResult> {
  const apiKey = options.apiKey?.trim();
  if (apiKey) return ensureConfiguredKey(store, apiKey);
  const keys = await store.listApiKeys();
  if (keys.some((key) => key.role === 'admin' && key.revokedAt === undefined)) return { created: false };
  const { secret } = await store.createApiKey({ name: BOOTSTRAP_NAME, role: 'admin' });
  return { secret, created: true };
}

async function ensureConfiguredKey(store: Store, apiKey: string): Promise<BootstrapResult> {
  if (apiKey.length < MIN_SECRET_LENGTH) {
    throw new BootstrapKeyError(`BATON_API_KEY must have at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -base64 32)`);
  }
  const existing = await store.verifyApiKey(apiKey);
  if (existing) {
    if (existing.role !== 'admin') throw new BootstrapKeyError(`BATON_API_KEY is the secret of "${existing.name}", a user key; the bootstrap key must be an admin key`);
    return { created: false };
  }
  try {
    await store.createApiKey({ name: BOOTSTRAP_NAME, role: 'admin', secret: apiKey });
    return { created: true };
  } catch (error) {
    // Another orchestrator replica starting at the same time may have created it first.
    if (await store.verifyApiKey(apiKey)) return { created: false };
    throw new BootstrapKeyError(
      `cannot create the bootstrap admin key from BATON_API_KEY (${(error as Error).message}); if this secret belonged to a key that was revoked, choose a new one`,
      { cause: error },
    );
  }
}
