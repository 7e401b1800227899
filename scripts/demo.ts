// `npm run demo`: the service on embedded defaults plus three virtual Snom phones registered to it,
// then prints what to try. Runs until Ctrl-C; everything stays on 127.0.0.1.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { VirtualPhone } from '../src/sim/index.js';
import { buildDashboard } from './build-dashboard.js';

const DOMAIN = 'demo.snomctl';
const SIP = process.env.DEMO_SIP_LISTEN ?? '127.0.0.1:5060';
const USERS = ['2001', '2002', '2003'];
const root = path.resolve(import.meta.dirname, '..');
const dataDir = mkdtempSync(path.join(tmpdir(), 'snomctl-demo-'));
const PHONE_HOSTS = USERS.map((_, i) => `127.0.0.${11 + i}`);

/** A port free on every phone address: the phones' web servers share it, so `snomctl command` and the dashboard reach them. */
async function commonWebPort(): Promise<number> {
  const servers: ReturnType<typeof createServer>[] = [];
  try {
    let port = 0;
    for (const host of PHONE_HOSTS) {
      const s = createServer();
      servers.push(s);
      await new Promise<void>((resolve, reject) => s.once('error', reject).listen({ host, port }, resolve));
      port = (s.address() as { port: number }).port;
    }
    return port;
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}
await buildDashboard();
const webPort = await commonWebPort();
const configFile = path.join(dataDir, 'demo-config.json');
writeFileSync(configFile, JSON.stringify({ commands: { web: { port: webPort } } }));

const serve = spawn(
  process.execPath,
  ['--import', 'tsx', path.join(root, 'src/main.ts'), 'serve', '--config', configFile, '--data-dir', dataDir, '--sip-listen', SIP,
    '--domain', DOMAIN, ...USERS.flatMap((u) => ['--user', `${u}:demo-${u}`]), '--log-level', 'warn'],
  { cwd: root, env: { ...process.env, SNOMCTL_CONFIG: '' }, stdio: ['ignore', 'pipe', 'inherit'] },
);
const lines: string[] = [];
const ready = new Promise<void>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('snomctl serve did not become ready within 20 s')), 20_000);
  serve.once('exit', (code) => reject(new Error(`snomctl serve exited with code ${code}`)));
  createInterface({ input: serve.stdout! }).on('line', (line) => {
    lines.push(line);
    if (line === 'ready') {
      clearTimeout(timer);
      resolve();
    }
  });
});

const phones: VirtualPhone[] = [];
async function shutdown(code: number): Promise<void> {
  await Promise.allSettled(phones.map((p) => p.close()));
  serve.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
  process.exit(code);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));

try {
  await ready;
  const api = lines.find((l) => l.startsWith('api '))!.slice(4);
  for (const [i, user] of USERS.entries()) {
    const phone = new VirtualPhone({
      identities: [{ registrar: SIP, user, password: `demo-${user}`, domain: DOMAIN }],
      sip: { host: PHONE_HOSTS[i]!, port: 0 },
      http: { host: PHONE_HOSTS[i]!, port: webPort },
      waitForRegistration: true,
    });
    phones.push(phone);
    const urls = await phone.start();
    console.log(`phone ${user}@${DOMAIN}: registered; key panel ${urls.web}  state ${urls.stateJson}`);
  }
  console.log(`
snomctl serve: SIP ${SIP}, REST ${api} (data in ${dataDir})
Dashboard: ${api}/  (the phones, their keys live; edit, press, dial, re-sync)

Try, in another terminal:
  npx tsx src/main.ts phones
  npx tsx src/main.ts bind-key 2 on DND 2001 ${DOMAIN} internal message api+snom_bind_key 2 off DND 2001 ${DOMAIN} internal
  npx tsx src/main.ts keys 2001@${DOMAIN}
  npx tsx src/main.ts command '*/2002' key P2
  npx tsx src/main.ts events
Open a phone's key panel above to watch its keys change. Ctrl-C stops everything.`);
} catch (e) {
  console.error(`demo: ${(e as Error).message}`);
  await shutdown(1);
}
