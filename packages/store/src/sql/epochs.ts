// bus_epochs: each transport epoch is repaired once. A claim is a lease, so a runner that dies
// during the repair leaves it to another after `leaseMs`.
import type { Queryable } from '../db/types.ts';

/**
 * `since`: when a process first saw the epoch (the row's creation: noteEpoch or the first claim) —
 * what was handed to the transport before then may be lost with the old data; what came after is
 * on the new one (the new data existed when it was seen).
 */
export async function claimEpoch(db: Queryable, epoch: string, claimant: string, leaseMs: number): Promise<{ claim: 'claimed' | 'busy' | 'done'; since: string }> {
  const rows = await db.query<{ created_at: Date }>(
    `INSERT INTO bus_epochs AS b (epoch, claimed_by, claimed_until)
     VALUES ($1, $2, now() + $3::float8 * interval '1 millisecond')
     ON CONFLICT (epoch) DO UPDATE SET claimed_by = excluded.claimed_by, claimed_until = excluded.claimed_until
       WHERE b.repaired_at IS NULL AND (b.claimed_until < now() OR b.claimed_by = excluded.claimed_by)
     RETURNING created_at`,
    [epoch, claimant, leaseMs],
  );
  if (rows[0]) return { claim: 'claimed', since: rows[0].created_at.toISOString() };
  const [state] = await db.query<{ repaired_at: unknown; created_at: Date }>('SELECT repaired_at, created_at FROM bus_epochs WHERE epoch = $1', [epoch]);
  return { claim: state?.repaired_at ? 'done' : 'busy', since: (state?.created_at ?? new Date()).toISOString() };
}

/**
 * Records that the epoch was seen (its row, `since` = now, if none), claimed by nobody: a process
 * that hands work to the transport does so before it hands any, so that the repair does not send
 * that work again. The repair itself is left to a runner's claim.
 */
export async function noteEpoch(db: Queryable, epoch: string): Promise<void> {
  await db.write(`INSERT INTO bus_epochs (epoch, claimed_by, claimed_until) VALUES ($1, '', '-infinity') ON CONFLICT (epoch) DO NOTHING`, [epoch]);
}

export async function markEpochRepaired(db: Queryable, epoch: string): Promise<void> {
  await db.write('UPDATE bus_epochs SET repaired_at = date_trunc(\'milliseconds\', now()) WHERE epoch = $1', [epoch]);
}
