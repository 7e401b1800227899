// `snomctl phone`: runs a virtual Snom phone (or a fleet of them) until SIGINT/SIGTERM, then un-registers.
import { Command, Option } from 'commander';
import { InvalidOptionError } from '../util/errors.js';
import {
  numberArg, parseActionUrlArg, parseAddressBaseArg, parseButtonsArg, parseListenArg, parseRegistrarArg, parseUserBaseArg,
  planPhones, type PhoneCommandOpts,
} from './phone-command-options.js';
import { PhoneFleet } from './phone-fleet.js';
import { VirtualPhone, type VirtualPhoneUrls } from './virtual-phone.js';

/** Where the command writes and which signals stop it (tests inject their own). */
export interface PhoneCommandIo {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** Resolves when the phone should stop; default: the first SIGINT or SIGTERM. */
  readonly stopSignal?: () => Promise<string>;
}

/** Exit code of bad options (snomctl's EXIT.usage, src/cli/cli-io.ts): nothing was started. */
export const PHONE_USAGE_EXIT = 2;

const DEFAULT_IO: PhoneCommandIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

const EXAMPLES = `
Examples:
  # one phone registering as 2000 at a Kamailio; prints its state URL when ready
  $ snomctl phone --registrar 127.0.0.70:5060 --domain example.com --user 2000 --password secret

  # fixed ports, digest-protected web server, keys P1-P6 as buttons, an Action URL
  $ snomctl phone --registrar 10.0.0.5 --user 2000 --password secret \\
      --sip-listen 127.0.0.5:5060 --http-listen 127.0.0.5:8080 --http-auth digest \\
      --http-user admin --http-password admin --buttons 1-6 \\
      --action-url registration=http://127.0.0.1:9000/reg?user=\\$active_user

  # 1,000 phones on 127.0.1.1 and up, users 10000-10999 with passwords pw-10000 …
  $ snomctl phone --count 1000 --registrar 127.0.0.70:5060 --domain example.com \\
      --user-base 10000 --password 'pw-{user}' --sip-listen :5060 --http-listen :8080

Each phone answers x-buttons MESSAGEs only from its registrar unless --no-registrar-filter is given.
Stop with Ctrl-C (SIGINT) or SIGTERM: the phones un-register, then exit.`;

/** The first SIGINT or SIGTERM; dispose() gives the signals their default meaning back. */
function waitForSignal(): { stopped: Promise<string>; dispose: () => void } {
  let stop: (signal: string) => void = () => {};
  const dispose = (): void => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  const stopped = new Promise<string>((resolve) => {
    stop = (signal: string): void => {
      dispose();
      resolve(signal);
    };
  });
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return { stopped, dispose };
}

/** The `phone` command (main adds it as `snomctl phone`). */
export function phoneCommand(io: PhoneCommandIo = DEFAULT_IO): Command {
  const cmd = new Command('phone')
    .description('run a virtual Snom phone (SIP + web server) or a fleet of them, for tests and demos')
    .option('--registrar <host:port>', 'registrar (or proxy) the phone registers with', parseRegistrarArg)
    .option('--domain <name>', "domain of the phone's address of record (default: the registrar host)")
    .option('--user <user>', 'SIP user to register (with --count: the first one)')
    .option('--password <password>', 'digest password (with --count may contain {user})')
    .option('--display-name <name>', 'display name of the identity')
    .option('--expires <seconds>', 'requested registration lifetime, 10-86400 (default 600)', numberArg(10, 86_400))
    .addOption(new Option('--transport <protocol>', 'transport to the registrar (tcp also listens on TCP)').choices(['udp', 'tcp']).default('udp'))
    .option('--sip-listen <host:port>', 'SIP address (default 127.0.0.1:0 = any free port; with --count only :PORT)', parseListenArg)
    .option('--http-listen <host:port>', 'web server address (default: the SIP host, any free port; with --count only :PORT)', parseListenArg)
    .option('--no-http', 'no web server')
    .addOption(new Option('--http-auth <scheme>', 'web server authentication').choices(['none', 'basic', 'digest']).default('none'))
    .option('--http-user <user>', 'web server user (with --http-auth)')
    .option('--http-password <password>', 'web server password (with --http-auth)')
    .option('--https', 'serve HTTPS with a self-signed certificate')
    .option('--buttons <keys>', 'function keys of type button, e.g. 1-12 (default) or 1,3,5-7', parseButtonsArg)
    .option('--model <name>', 'model name shown in the state and User-Agent (default snomD785)')
    .option('--no-registrar-filter', 'accept SIP requests from any address (Snom "Filter Packets from Registrar" off)')
    .option('--action-url <event=url>', 'Action URL for an event (repeatable)', parseActionUrlArg)
    .addOption(new Option('--incoming <policy>', 'what incoming calls get after ringing').choices(['busy', 'unavailable', 'answer', 'ring']).default('busy'))
    .option('--ring-ms <ms>', 'how long incoming calls ring before the policy applies (default 1000)', numberArg(0, 600_000))
    .option('--boot-delay-ms <ms>', 'how long SIP is away during a reboot (default 200)', numberArg(0, 600_000))
    .option('--count <n>', 'run this many phones, each on its own loopback address', numberArg(1, 100_000))
    .option('--user-base <digits>', 'with --count: the first user (users count up)', parseUserBaseArg)
    .option('--address-base <ip>', 'with --count: the first address (default 127.0.1.1)', parseAddressBaseArg)
    .option('--http-shared', 'with --count: one web listening socket for all phones (halves the file descriptors)')
    .addHelpText('after', EXAMPLES)
    .showHelpAfterError('(see --help for examples)')
    .action(async (opts: PhoneCommandOpts) => {
      const plan = planPhones(opts);
      if (!plan.ok) {
        cmd.error(`error: ${plan.error}`, { code: 'snomctl.phone.options' });
        return;
      }
      let target: VirtualPhone | PhoneFleet;
      try {
        // one phone prints its addresses at once and its registration when the first REGISTER ends
        target = plan.value.kind === 'single'
          ? new VirtualPhone({ ...plan.value.options, waitForRegistration: false })
          : new PhoneFleet(plan.value.options);
      } catch (error) {
        if (error instanceof InvalidOptionError) cmd.error(`error: ${error.message}`, { code: 'snomctl.phone.options' });
        throw error;
      }
      const signals = io.stopSignal ? { stopped: io.stopSignal(), dispose: () => {} } : waitForSignal();
      const stopped = signals.stopped;
      try {
        if (target instanceof VirtualPhone) {
          reportUrls(io, await target.start());
          await Promise.race([target.whenRegistered(), stopped]);
          reportRegistrations(io, target);
        } else reportFleet(io, target, await target.start());
      } catch (error) {
        signals.dispose();
        io.err(`error: could not start: ${error instanceof Error ? error.message : String(error)}`);
        process.exitCode = 1;
        return;
      }
      io.err('running; stop with Ctrl-C (SIGINT) or SIGTERM');
      const signal = await stopped;
      io.err(`${signal}: un-registering and stopping`);
      await target.close();
      io.err('stopped');
    });
  // every option error (commander's own, a parser's, planPhones') is bad usage: exit 2, as in snomctl
  const error = cmd.error.bind(cmd);
  cmd.error = (message, options) => error(message, { ...options, exitCode: PHONE_USAGE_EXIT });
  return cmd;
}

function reportUrls(io: PhoneCommandIo, urls: VirtualPhoneUrls): void {
  io.out(`sip: ${urls.sip}`);
  if (urls.web !== undefined) io.out(`web: ${urls.web}`);
  if (urls.stateJson !== undefined) io.out(`state: ${urls.stateJson}`);
}

function reportRegistrations(io: PhoneCommandIo, phone: VirtualPhone): void {
  for (const id of phone.sip.identities) {
    const slot = phone.state.registration(id.line);
    io.out(slot?.status === 'registered'
      ? `registered: ${id.aor} at ${slot.registrar ?? ''} as ${slot.contact ?? ''}`
      : `not registered: ${id.aor} at ${slot?.registrar ?? ''}: ${slot?.detail ?? slot?.status ?? ''}`);
  }
}

function reportFleet(io: PhoneCommandIo, fleet: PhoneFleet, report: Awaited<ReturnType<PhoneFleet['start']>>): void {
  const first = fleet.phones[0]!;
  const last = fleet.phones[fleet.phones.length - 1]!;
  const user = (p: typeof first): string => p.sip.identities[0]?.user ?? '';
  io.out(`phones: ${report.phones} on ${fleet.addresses[0]}-${fleet.addresses[fleet.addresses.length - 1]}, users ${user(first)}-${user(last)}: ` +
    `${report.registered} registered, ${report.failed} not, in ${(report.elapsedMs / 1000).toFixed(1)} s`);
  for (const [i, p] of fleet.phones.slice(0, 3).entries()) {
    io.out(`phone ${i + 1}: ${p.urls?.sip ?? ''}${p.urls?.stateJson === undefined ? '' : ` state: ${p.urls.stateJson}`}`);
  }
}
