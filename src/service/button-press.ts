// A phone's key with `a=message` sends a MESSAGE to `api+<command>@<domain>` (snom-protocol.md §2.4):
// authenticate it, run the mod_snom command, answer 202, then send the command's reply back as a MESSAGE.
import type { Binding, DeliveryTarget } from '../registrar/binding.js';
import { domainKey } from '../registrar/registrar-options.js';
import type { Registrar } from '../registrar/registrar.js';
import type { RegisterAuth } from '../registrar/register-auth.js';
import { getFrom, getRequestUri } from '../sip/accessors.js';
import type { IncomingRequest } from '../sip/transaction/endpoint-types.js';
import type { SipEndpoint } from '../sip/transaction/endpoint.js';
import { MOD_SNOM_COMMANDS, parseModSnomApiCall } from '../snom/mod-snom-command.js';
import { redactCommandLine, toWireReply } from '../snom/mod-snom-reply.js';
import { aorUri, destinationText, ownContact, requestUriOf, textMessage, transportFor } from './message-request.js';
import type { AuthFailureLimiter } from './auth-failure-limiter.js';
import type { ApiResult, ModSnomApi } from './mod-snom-api.js';
import type { ButtonPressEvent } from './service-events.js';

/** What the handler needs from the service. */
export interface ButtonPressParts {
  readonly domains: readonly string[];
  readonly registrar: Registrar;
  /** The registrar's Digest authenticator (its nonces are good for MESSAGEs too; RegisterAuth works for any method). */
  readonly auth: RegisterAuth;
  readonly limiter: AuthFailureLimiter;
  readonly allow: ReadonlySet<string>;
  readonly ownKeysOnly: boolean;
  readonly api: ModSnomApi;
  readonly endpoint: () => SipEndpoint | undefined;
  /** Where requests to a binding go (the embedded route's choice). */
  readonly targetOf: (binding: Binding) => DeliveryTarget;
  readonly emit: (event: ButtonPressEvent) => void;
  readonly now: () => number;
  /** Reports a reply MESSAGE that could not be delivered. */
  readonly onReplyFailure: (details: object) => void;
}

const PREFIX = 'api+';

/**
 * Handles MESSAGE requests addressed to us. `api+<command>` in the Request-URI user (already %-decoded
 * once, as FreeSWITCH URL-decoded it) is split at its first space into the API name and its arguments.
 * Answers, in check order: 404 for a Request-URI host that is not our domain or a user without `api+`;
 * 403 while the source and From user are over the AuthFailureLimiter's limit; 401 (Digest challenge,
 * RFC 3261 §22.2) without valid credentials of the From user; 403 when the
 * authenticated user is not the From user or has no current registration; 404 for an API name mod_snom
 * did not have; 403 for one not in the allow-list, or a snom_bind_key for someone else's keys (ownKeysOnly);
 * else 202 Accepted at once, then the command runs and mod_snom's reply (`+OK …\n`) goes to the phone as a
 * text/plain MESSAGE from the `api+…` address to the contact(s) the press came from.
 */
export class ButtonPressHandler {
  readonly #p: ButtonPressParts;
  readonly #domains: ReadonlySet<string>;

  constructor(parts: ButtonPressParts) {
    this.#p = parts;
    this.#domains = new Set(parts.domains.map(domainKey));
  }

  /** Handles one MESSAGE; returns once answered (the command may still be running). */
  handle(incoming: IncomingRequest): void {
    const req = incoming.request;
    const source = destinationText(incoming.source.transport, incoming.source.address, incoming.source.port);
    const uri = getRequestUri(req);
    if (uri?.kind !== 'sip' || !this.#domains.has(domainKey(uri.host)) || uri.user === undefined || !uri.user.toLowerCase().startsWith(PREFIX)) {
      incoming.respond(404, 'Not Found');
      return;
    }
    const domain = domainKey(uri.host);
    const rest = uri.user.slice(PREFIX.length);
    const space = rest.indexOf(' ');
    const command = space < 0 ? rest : rest.slice(0, space);
    const args = space < 0 ? '' : rest.slice(space + 1);
    // snom_command's 5th argument is a password: never in an event
    const shown = command.toLowerCase() === 'snom_command' ? redactCommandLine(args) : args;
    const event = (status: number, outcome: ButtonPressEvent['outcome'], user: string | undefined, reply?: string): void =>
      this.#p.emit({ user, domain, source, command: command.slice(0, 64), args: shown.slice(0, 512), status, outcome, ...(reply === undefined ? {} : { reply }), at: this.#p.now() });

    const from = getFrom(req);
    const fromUser = from?.uri.kind === 'sip' ? from.uri.user : undefined;
    if (fromUser === undefined) {
      incoming.respond(400, 'Invalid From header');
      event(400, 'bad-request', undefined);
      return;
    }
    if (this.#p.limiter.blocked(incoming.source.address, fromUser)) {
      incoming.respond(403, 'Forbidden');
      event(403, 'forbidden', undefined);
      return;
    }
    const auth = this.#p.auth.authenticate(req, {
      transport: incoming.source.transport, address: incoming.source.address, port: incoming.source.port,
    }, fromUser, domain);
    if (auth.kind === 'challenge') {
      if (auth.failed) this.#p.limiter.failed(incoming.source.address, fromUser);
      incoming.respond(401, 'Unauthorized', { headers: this.#p.auth.challenge(auth.stale).map((c) => ['WWW-Authenticate', c] as const) });
      return;
    }
    if (auth.kind === 'forbidden' || auth.username !== fromUser) {
      incoming.respond(403, 'Forbidden');
      event(403, 'forbidden', undefined);
      return;
    }
    const user = auth.username;
    // the right password clears the source's failures, as a registration's 200 does
    if (auth.by === 'digest') this.#p.limiter.succeeded(incoming.source.address, fromUser);
    const bindings = this.#p.registrar.contactsOf(user, domain);
    if (bindings.length === 0) {
      incoming.respond(403, 'Not Registered');
      event(403, 'forbidden', user);
      return;
    }
    const name = command.toLowerCase();
    if (!(MOD_SNOM_COMMANDS as readonly string[]).includes(name)) {
      incoming.respond(404, 'Unknown Command');
      event(404, 'not-found', user);
      return;
    }
    if (!this.#p.allow.has(name)) {
      incoming.respond(403, 'Command Not Allowed');
      event(403, 'forbidden', user);
      return;
    }
    const parsed = parseModSnomApiCall(name, args);
    if (parsed.ok && parsed.value.command === 'snom_bind_key' && this.#p.ownKeysOnly &&
      (parsed.value.user !== user || domainKey(parsed.value.host) !== domain)) {
      incoming.respond(403, 'Not Your Keys');
      event(403, 'forbidden', user);
      return;
    }
    incoming.respond(202, 'Accepted');
    const pressedFrom = bindings.filter((b) => b.address === incoming.source.address && b.port === incoming.source.port);
    const replyTo = pressedFrom.length > 0 ? pressedFrom : bindings;
    void this.#run(parsed.ok ? this.#p.api.execute(parsed.value) : Promise.resolve<ApiResult>({
      reply: parsed.error.reply, result: { command: name, ok: false, code: parsed.error.code, message: parsed.error.reply },
    }), req.uri, user, domain, replyTo, (reply) => event(202, 'accepted', user, reply));
  }

  async #run(
    running: Promise<ApiResult>, apiUri: string, user: string, domain: string, contacts: readonly Binding[],
    done: (reply: string) => void,
  ): Promise<void> {
    let reply: string;
    try {
      reply = (await running).reply;
    } catch (error) {
      reply = `-ERR ${error instanceof Error ? error.message : 'command failed'}`;
    }
    done(reply);
    const text = toWireReply(reply);
    if (text === '') return;
    const endpoint = this.#p.endpoint();
    if (endpoint === undefined) return;
    await Promise.all(contacts.map(async (b) => {
      const uri = requestUriOf(b.contact);
      if (uri === undefined) return;
      const t = this.#p.targetOf(b);
      const transport = transportFor(endpoint.transports, t.transport);
      const r = await endpoint.request(textMessage(uri, apiUri, aorUri(user, domain), transport === undefined ? undefined : ownContact(transport), text), {
        destination: { transport: t.transport, host: t.address, port: t.port },
      });
      if (!r.ok || r.response.status >= 300) {
        this.#p.onReplyFailure({ contact: uri, ...(r.ok ? { status: r.response.status } : { error: r.error }) });
      }
    }));
  }
}
