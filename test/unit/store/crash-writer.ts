// Child process for the kill -9 test: commits one binding and one desired key per step and prints the
// step number after each commit (stdout to a pipe is synchronous on Linux), until it is killed.
import { openStore } from '../../../src/store/sqlite-store.js';

const store = openStore({ path: process.argv[2]! });
for (let i = 0; ; i++) {
  store.registrations.applyBindingChanges([{
    kind: 'put',
    binding: {
      aor: 'crash@example.com', user: 'crash', domain: 'example.com', contact: `sip:crash@192.0.2.1;n=${i}`, callId: `c${i}`,
      cseq: 1, expiresAt: 4_000_000_000_000, q: undefined, transport: 'udp', address: '192.0.2.1', port: 5060,
      localAddress: undefined, localPort: undefined, userAgent: undefined, instance: undefined, regId: undefined,
      firstRegistered: 0, lastRefreshed: 0,
    },
  }]);
  store.keys.putDesiredKeys('internal', 'crash', 'example.com', [{ key: `k${i}`, light: 'on' }]);
  process.stdout.write(`${i}\n`);
}
