// Makes node:crypto's randomFillSync fill its first buffer with bytes whose base64url text is "CSeqCSeq…"
// (09 27 AA), then hand over to the real one: for tests of identifiers that must never spell "CSeq".
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';

const CSEQ_BYTES = [0x09, 0x27, 0xaa];

/** Runs `fn` with randomFillSync's next fill spelling "CSeq" again and again (ESM imports see the swap). */
export function withCSeqRandom<T>(fn: () => T): T {
  const real = crypto.randomFillSync;
  let first = true;
  crypto.randomFillSync = (<B extends NodeJS.ArrayBufferView>(buf: B, offset?: number, size?: number): B => {
    if (!first) return real(buf, offset, size);
    first = false;
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    for (let i = 0; i < bytes.length; i++) bytes[i] = CSEQ_BYTES[i % 3]!;
    return buf;
  }) as typeof real;
  syncBuiltinESMExports();
  try {
    return fn();
  } finally {
    crypto.randomFillSync = real;
    syncBuiltinESMExports();
  }
}
