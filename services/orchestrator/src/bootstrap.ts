// The first admin key. With BATON_API_KEY the operator chooses the secret; without it, a fresh
// store gets a generated admin key whose secret the launcher prints once.
import type { Store } from '@baton/core';

export interface BootstrapResult {
  /** Set only when a key was generated here: the launcher shows it once, nothing stores it in clear. */
  secret?: string;
  created: boolean;
}

const BOOTSTRAP_NAME = 'bootstrap-admin';

export async function ensureBootstrapKey(store: Store, options: { apiKey?: string }): Promise<BootstrapResult> {
  const apiKey = options.apiKey?.trim();
  if (apiKey) return ensureConfiguredKey(store, apiKey);
  const keys = await store.listApiKeys();
  if (keys.some((key) => key.role === 'admin' && key.revokedAt === undefined)) return { created: false };
  const { secret } = await store.createApiKey({ name: BOOTSTRAP_NAME, role: 'admin' });
  return { secret, created: true };
}

async function ensureConfiguredKey(store: Store, apiKey: string): Promise<BootstrapResult> {
  if (await store.verifyApiKey(apiKey)) return { created: false };
  try {
    await store.createApiKey({ name: BOOTSTRAP_NAME, role: 'admin', secret: apiKey });
    return { created: true };
  } catch (error) {
    // Another orchestrator replica starting at the same time may have created it first.
    if (await store.verifyApiKey(apiKey)) return { created: false };
    throw error;
  }
}
