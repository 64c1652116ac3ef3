// bus_epochs: each transport epoch is repaired once. A claim is a lease, so a runner that dies
// during the repair leaves it to another after `leaseMs`.
import type { Queryable } from '../db/types.ts';

export async function claimEpoch(db: Queryable, epoch: string, claimant: string, leaseMs: number): Promise<'claimed' | 'busy' | 'done'> {
  const rows = await db.query(
    `INSERT INTO bus_epochs AS b (epoch, claimed_by, claimed_until)
     VALUES ($1, $2, now() + $3::float8 * interval '1 millisecond')
     ON CONFLICT (epoch) DO UPDATE SET claimed_by = excluded.claimed_by, claimed_until = excluded.claimed_until
       WHERE b.repaired_at IS NULL AND (b.claimed_until < now() OR b.claimed_by = excluded.claimed_by)
     RETURNING epoch`,
    [epoch, claimant, leaseMs],
  );
  if (rows.length > 0) return 'claimed';
  const state = await db.query<{ repaired_at: unknown }>('SELECT repaired_at FROM bus_epochs WHERE epoch = $1', [epoch]);
  return state[0]?.repaired_at ? 'done' : 'busy';
}

export async function markEpochRepaired(db: Queryable, epoch: string): Promise<void> {
  await db.query('UPDATE bus_epochs SET repaired_at = date_trunc(\'milliseconds\', now()) WHERE epoch = $1', [epoch]);
}
