// PGlite adapter micro-benchmark: what one crossing into PGlite's thread costs. The same
// transaction (BEGIN, three updates, a select, COMMIT) is sent as two crossings (the select waited
// for in the middle) or one (the select at commit: Queryable.queryAtCommit), 3,000 times each, in
// three rounds; prints wall and process CPU per transaction.
//   npx tsx bench/pglite-crossings.ts
import { openPglite } from '../packages/store/src/db/pglite.ts';
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const dir = mkdtempSync(join(tmpdir(), 'crossbench-'));
const db = await openPglite(join(dir, 'db'));
await db.exec('CREATE TABLE t (id int PRIMARY KEY, v jsonb, n int)');
await db.exec("INSERT INTO t SELECT g, '{}', 0 FROM generate_series(1, 1000) g");
const U = 'UPDATE t SET v = $1::text::jsonb, n = n + 1 WHERE id = $2';
const S = 'SELECT n FROM t WHERE id = $1';
async function tx(i: number, split: boolean) {
  await db.transaction(async (t) => {
    await t.write(U, [JSON.stringify({ i, a: 'x'.repeat(200) }), 1 + (i % 1000)]);
    if (split) await t.query(S, [1 + (i % 1000)]);
    else void t.queryAtCommit!(S, [1 + (i % 1000)]);
    await t.write(U, [JSON.stringify({ i, b: 'y'.repeat(200) }), 1 + ((i + 1) % 1000)]);
    await t.write(U, [JSON.stringify({ i, c: 'z'.repeat(200) }), 1 + ((i + 2) % 1000)]);
  });
}
const N = 3000;
for (let round = 0; round < 3; round++) {
  for (const split of [true, false]) {
    for (let i = 0; i < 300; i++) await tx(i, split);
    const c0 = process.cpuUsage(); const t0 = performance.now();
    for (let i = 0; i < N; i++) await tx(i, split);
    const wall = (performance.now() - t0) / N; const c = process.cpuUsage(c0);
    console.log(split ? 'two crossings' : 'one crossing ', 'wall', wall.toFixed(3), 'ms/tx; process cpu', ((c.user + c.system) / 1000 / N).toFixed(3), 'ms/tx');
  }
}
await db.close(); rmSync(dir, { recursive: true, force: true });
