// Wall time of one-shot snomctl commands on compiled JavaScript vs `node -e 0` (the goal: ≤ 2.0×).
// Build first (`npm run build`). Every command is spawned CLI_BENCH_RUNS times (default 20, after 2
// warm-ups), round-robin so that load from other processes hits all of them alike, and the medians are
// compared. Two targets: `cli-startup`, `node dist/main.js --version` (`--help` while main.js has no
// --version), and `cli-rest-command`, `node dist/main.js phones` against a local fake service (a one-shot
// that talks to the service: one GET over node:http, the answer printed as a table). When dist/main.js is
// missing it says so and measures dist/cli/run-for-test.js (the CLI commands alone). Extra lines: a
// command's `--help` and the CLI commands alone.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const RUNS = Number(process.env.CLI_BENCH_RUNS ?? 20);

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Median wall time in ms of each `node <args>`, runs interleaved; throws when a command fails. */
function timeAll(cases: readonly (readonly string[])[]): number[] {
  const samples = cases.map(() => [] as number[]);
  for (let i = 0; i < RUNS + 2; i++) {
    cases.forEach((args, c) => {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}: ${r.stderr.toString()}`);
      if (i >= 2) samples[c]!.push(ms);
    });
  }
  return samples.map(median);
}

/** Whether `node <args>` exits 0. */
function works(args: string[]): boolean {
  return spawnSync(process.execPath, args, { cwd: ROOT, stdio: 'ignore' }).status === 0;
}

function line(name: string, ms: number, base: number): string {
  return `${name}: ${ms.toFixed(1)} ms vs node-e-0 ${base.toFixed(1)} ms = ${(ms / base).toFixed(2)}x (goal 2.0)`;
}

const main = `${ROOT}dist/main.js`;
const launcher = `${ROOT}dist/cli/run-for-test.js`;
let bin = main;
if (!existsSync(main)) {
  console.log('dist/main.js does not exist (src/main.ts not written yet, or `npm run build` not run): measuring dist/cli/run-for-test.js, the CLI commands alone');
  bin = launcher;
}
if (!existsSync(bin)) {
  console.log(`${bin.slice(ROOT.length)} does not exist: run \`npm run build\` first`);
  process.exit(1);
}
const oneShot = works([bin, '--version']) ? '--version' : '--help';
if (oneShot !== '--version') console.log(`${bin.slice(ROOT.length)} has no --version: the target line measures --help instead`);

// The fake service for the REST line runs in a child process (spawnSync blocks this event loop).
const child = spawn(process.execPath, ['-e', `require('node:http').createServer((q, s) => { s.writeHead(200, { 'content-type': 'application/json' }); s.end('{"phones":[]}'); })
  .listen(0, '127.0.0.1', function () { console.log(this.address().port); })`], { stdio: ['ignore', 'pipe', 'inherit'] });
const [portText] = (await once(child.stdout, 'data')) as [Buffer];
const server = `http://127.0.0.1:${portText.toString().trim()}`;
const alone = bin === main && existsSync(launcher);
try {
  const cases: string[][] = [['-e', '0'], [bin, oneShot], [bin, 'bind-key', '--help'], [bin, 'phones', '--server', server]];
  if (alone) cases.push([launcher, '--version'], [launcher, 'phones', '--server', server]);
  const [base, target, help, phones, cliAlone, phonesAlone] = timeAll(cases) as [number, number, number, number, number | undefined, number | undefined];
  console.log(`  ${line('bind-key --help', help, base)}`);
  if (cliAlone !== undefined) console.log(`  ${line('cli commands alone (dist/cli/run-for-test.js --version)', cliAlone, base)}`);
  if (phonesAlone !== undefined) console.log(`  ${line('cli commands alone: phones', phonesAlone, base)}`);
  console.log(`target ${line('cli-startup', target, base)}`);
  console.log(`target ${line('cli-rest-command', phones, base)}`);
} finally {
  child.kill();
}
