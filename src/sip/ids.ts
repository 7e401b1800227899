import { randomFillSync } from 'node:crypto';
import { InvalidHeaderError } from './headers.js';
import { BRANCH_COOKIE } from './via.js';
import { C_WORD, scan } from './chars.js';

// base64url alphabet: every character is a SIP token character and URL-safe.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const POOL_SIZE = 4096;
// A pool of random bytes refilled from the CSPRNG when used up: one syscall per ~200 identifiers.
const pool = Buffer.alloc(POOL_SIZE);
let offset = POOL_SIZE;

/** `n` characters of base64url text carrying 6 random bits each (from node:crypto). */
export function randomToken(n: number): string {
  if (offset + n > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  let out = '';
  for (let i = 0; i < n; i++) out += ALPHABET[pool[offset + i]! & 63]!;
  offset += n;
  return out;
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
