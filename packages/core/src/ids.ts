// Time-ordered ids (UUID version 7) from a pool of random bytes.
//
// The uuid package asks the system for 16 random bytes per id (crypto.getRandomValues); on this
// kind of machine (a VM where every system call is dear) that was 1.4–2.2 % of a busy runner's or
// `npm start`'s main thread, for the one or two ids of each transaction. Here the random part
// comes from 4 KiB filled at once by the same cryptographic generator (256 ids per fill), each
// byte used once — as earlier versions of uuid did.
import { randomFillSync } from 'node:crypto';
import { v7 } from 'uuid';

const POOL_BYTES = 4096;
const pool = new Uint8Array(POOL_BYTES);
let next = POOL_BYTES;

function random16(): Uint8Array {
  if (next + 16 > POOL_BYTES) {
    randomFillSync(pool);
    next = 0;
  }
  const bytes = pool.subarray(next, next + 16);
  next += 16;
  return bytes;
}

/** The last id's time and counter: ids made in one millisecond count up (RFC 9562 method 1), as uuid's own v7 does. */
const last = { msecs: -Infinity, seq: 0 };

/** A new UUID v7: milliseconds since the epoch, then a counter within the millisecond, then random bits (RFC 9562). */
export function uuidv7(): string {
  const random = random16();
  const now = Date.now();
  if (now > last.msecs) {
    // A new millisecond: the counter starts at a random 31-bit value (uuid's v7Sequence).
    last.seq = ((random[6]! & 0x7f) << 24) | (random[7]! << 16) | (random[8]! << 8) | random[9]!;
    last.msecs = now;
  } else {
    last.seq = (last.seq + 1) | 0;
    if (last.seq === 0) last.msecs += 1; // the counter ran over: borrow the next millisecond
  }
  return v7({ random, msecs: last.msecs, seq: last.seq });
}
