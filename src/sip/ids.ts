import { randomFillSync } from 'node:crypto';
import { InvalidHeaderError } from './headers.js';
import { BRANCH_COOKIE } from './via.js';
import { C_WORD, scan } from './chars.js';

// base64url text of random bytes: every character is a SIP token character, URL-safe, and carries 6
// random bits. The pool is refilled from the CSPRNG when used up (one call per ~270 requests' identifiers).
const POOL_BYTES = 12288; // a multiple of 3: no padding
const POOL_SIZE = (POOL_BYTES / 3) * 4;
const raw = Buffer.alloc(POOL_BYTES);
let pool = '';
let offset = POOL_SIZE;

function refill(): void {
  randomFillSync(raw);
  // SIPp takes any "CSeq" in a message for its CSeq header (a tag spelling it makes SIPp drop the call)
  pool = raw.toString('base64url').replaceAll('CSeq', 'cSeq');
  offset = 0;
}

/** `n` characters of base64url text carrying 6 random bits each (from node:crypto). */
export function randomToken(n: number): string {
  if (!(n > 0)) return '';
  const count = Math.ceil(n);
  if (count > POOL_SIZE) {
    let out = '';
    for (let left = count; left > 0; left -= POOL_SIZE) out += randomToken(left < POOL_SIZE ? left : POOL_SIZE);
    return out;
  }
  if (offset + count > POOL_SIZE) refill();
  const start = offset;
  offset += count;
  return pool.slice(start, offset);
}

/** A new Via branch: the RFC 3261 magic cookie plus 132 random bits (§8.1.1.7). */
export function newBranch(): string {
  return BRANCH_COOKIE + randomToken(22);
}

/** A new From/To tag with 96 random bits (§19.3 asks for at least 32). */
export function newTag(): string {
  return randomToken(16);
}

/** A new Call-ID with 132 random bits, `@host` appended when given (§8.1.1.4, §20.8); throws for a host that is not a Call-ID word. */
export function newCallId(host?: string): string {
  const id = randomToken(22);
  if (host === undefined) return id;
  if (host.length === 0 || scan(host, 0, host.length, C_WORD) !== host.length) {
    throw new InvalidHeaderError('Call-ID host contains characters that are not allowed');
  }
  return `${id}@${host}`;
}
