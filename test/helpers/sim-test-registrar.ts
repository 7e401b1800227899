// A small registrar/UAS for virtual-phone tests, built on SipEndpoint and DigestServer: challenges every
// REGISTER, MESSAGE and INVITE (digest, MD5), keeps bindings, sees every message that arrives (also the
// ACKs its transactions absorb) and lets a test answer MESSAGE/INVITE/BYE its own way.
import { createRequest, type SipMessage, type SipRequest } from '../../src/sip/message.js';
import { getContacts, getExpires } from '../../src/sip/accessors.js';
import { SipEndpoint } from '../../src/sip/transaction/endpoint.js';
import type { IncomingRequest, RequestOptions, RequestResult } from '../../src/sip/transaction/endpoint-types.js';
import { createUdpTransport } from '../../src/sip/transport/udp-transport.js';
import type { MessageSource, SipTransport, TransportReceiver } from '../../src/sip/transport-types.js';
import { DigestServer } from '../../src/util/digest-server.js';

/** A message as it arrived at the registrar. */
export interface SeenMessage {
  readonly message: SipMessage;
  readonly source: MessageSource;
}

/** A binding made by a REGISTER. */
export interface TestBinding {
  readonly contact: string;
  readonly expires: number;
  readonly callId: string;
}

/** Answers a request that passed digest (or was not challenged); return true when it responded. */
export type TestHandler = (incoming: IncomingRequest) => boolean | void;

export interface TestRegistrarOptions {
  readonly host: string;
  readonly users: Readonly<Record<string, string>>;
  readonly realm?: string;
  /** Expiry granted in the 200's Contact; default: the one asked for. */
  readonly grantExpires?: number;
  /** Methods challenged besides REGISTER; default MESSAGE and INVITE. */
  readonly challenge?: readonly string[];
}

export interface TestRegistrar {
  readonly host: string;
  readonly port: number;
  readonly address: string;
  readonly endpoint: SipEndpoint;
  /** Every message received, in order. */
  readonly seen: SeenMessage[];
  readonly bindings: Map<string, TestBinding>;
  /** Requests of a method that were accepted (digest passed where challenged). */
  accepted(method: string): SipRequest[];
  /** Replaces the answer for a method (after digest). */
  on(method: string, handler: TestHandler): void;
  /** Resolves when `predicate` holds for the seen messages (polls every 10 ms; rejects after timeoutMs). */
  waitFor(predicate: (seen: readonly SeenMessage[]) => boolean, timeoutMs?: number): Promise<void>;
  request(req: SipRequest, options?: RequestOptions): Promise<RequestResult>;
  close(): Promise<void>;
}

/** Wraps a transport so that every message it delivers is seen first. */
function tap(transport: SipTransport, seen: SeenMessage[]): SipTransport {
  const attach = transport.attach.bind(transport);
  transport.attach = (receiver: TransportReceiver): void => {
    attach({
      onMessage: (message, source) => {
        seen.push({ message, source });
        receiver.onMessage(message, source);
      },
      onParseError: (error, source) => receiver.onParseError(error, source),
    });
  };
  return transport;
}

/** Starts the registrar on `host`, any free UDP port. */
export async function startTestRegistrar(options: TestRegistrarOptions): Promise<TestRegistrar> {
  const seen: SeenMessage[] = [];
  const transport = tap(await createUdpTransport({ address: options.host, port: 0 }), seen);
  const endpoint = new SipEndpoint({
    transports: [transport], methods: ['REGISTER', 'MESSAGE', 'INVITE', 'BYE', 'NOTIFY'], timers: { t1: 100 }, userAgent: 'test-registrar',
  });
  const digest = new DigestServer({ realm: options.realm ?? 'example.com', algorithms: ['MD5'] });
  const challenged = new Set(['REGISTER', ...(options.challenge ?? ['MESSAGE', 'INVITE'])]);
  const accepted: SipRequest[] = [];
  const handlers = new Map<string, TestHandler>();
  const bindings = new Map<string, TestBinding>();
  endpoint.onRequest((incoming) => {
    const { request, respond } = incoming;
    if (challenged.has(request.method)) {
      const auth = request.headers.get('authorization');
      const verdict = auth === undefined
        ? undefined
        : digest.verify(auth, request.method, (user) => (options.users[user] === undefined ? undefined : { password: options.users[user]! }), { uri: request.uri });
      if (verdict?.status !== 'ok') {
        respond(401, 'Unauthorized', { headers: digest.challenge({ stale: verdict?.status === 'stale' }).map((c) => ['WWW-Authenticate', c] as [string, string]) });
        return;
      }
    }
    accepted.push(request);
    if (handlers.get(request.method)?.(incoming) === true) return;
    if (request.method === 'REGISTER') {
      const contacts = getContacts(request);
      const entry = contacts !== undefined && contacts !== '*' ? contacts[0] : undefined;
      const asked = entry?.expires ?? getExpires(request) ?? 3600;
      const user = /sip:([^@;>]+)@/.exec(request.headers.get('to') ?? '')?.[1] ?? '';
      const expires = asked === 0 ? 0 : options.grantExpires ?? asked;
      if (entry !== undefined && expires > 0) bindings.set(user, { contact: entry.rawUri, expires, callId: request.headers.get('call-id') ?? '' });
      else bindings.delete(user);
      respond(200, 'OK', { headers: entry === undefined ? [] : [['Contact', `<${entry.rawUri}>;expires=${expires}`]] });
      return;
    }
    if (request.method === 'INVITE') respond(486, 'Busy Here');
    else respond(200, 'OK');
  });
  const port = transport.localPort;
  return {
    host: options.host,
    port,
    address: `${options.host}:${port}`,
    endpoint,
    seen,
    bindings,
    accepted: (method) => accepted.filter((r) => r.method === method),
    on: (method, handler) => void handlers.set(method, handler),
    waitFor: async (predicate, timeoutMs = 5000) => {
      const end = Date.now() + timeoutMs;
      while (!predicate(seen)) {
        if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms; seen: ${seen.map((s) => describe(s.message)).join(', ')}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    request: (req, opts) => endpoint.request(req, opts),
    close: () => endpoint.close(),
  };
}

/** `REGISTER`, `ACK`, `200/INVITE` … for error messages. */
export function describe(message: SipMessage): string {
  return message.kind === 'request' ? message.method : `${message.status}/${message.headers.get('cseq')?.split(' ')[1] ?? ''}`;
}

/** A request from the registrar to a phone's contact (a MESSAGE by default); `headers` replace the default From/To. */
export function requestTo(contact: string, init: { method?: string; headers?: [string, string][]; body?: string } = {}): SipRequest {
  const given = init.headers ?? [];
  const has = (name: string): boolean => given.some(([n]) => n.toLowerCase() === name);
  return createRequest({
    method: init.method ?? 'MESSAGE',
    uri: contact,
    headers: [
      ...(has('from') ? [] : [['From', '<sip:registrar@example.com>'] as [string, string]]),
      ...(has('to') ? [] : [['To', `<${contact}>`] as [string, string]]),
      ...given,
    ],
    ...(init.body === undefined ? {} : { body: init.body }),
  });
}
