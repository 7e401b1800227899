// A minimal phone over a raw UDP socket for the service's integration tests: REGISTER and MESSAGE with
// Digest, and a recorder of the requests it receives (answered with a chosen status, or not at all).
import dgram from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { parseMessage } from '../../src/sip/parse.js';
import type { SipRequest, SipResponse } from '../../src/sip/message.js';
import { DigestClient } from '../../src/util/digest-client.js';

/** A request the phone received, with its raw bytes. */
export interface Received {
  readonly request: SipRequest;
  readonly raw: Buffer;
  readonly at: number;
  readonly from: { address: string; port: number };
}

/** Options of RawPhone.open. */
export interface RawPhoneOptions {
  readonly host: string;
  readonly user: string;
  readonly password: string;
  readonly domain: string;
  /** Status to answer received requests with; `null` = never answer. Default 200. */
  answer?: number | null;
}

/** Credentials for a new request from the last challenge `client` answered (RFC 3261 §22.3). */
function cachedCredentials(client: DigestClient, method: string, uri: string): string {
  const header = client.authorize(method, uri);
  if (header === undefined) throw new Error(`preemptive ${method}: no challenge answered yet`);
  return header;
}

/** A UDP "phone": one socket, one identity. */
export class RawPhone {
  readonly received: Received[] = [];
  readonly #sock: dgram.Socket;
  readonly #o: RawPhoneOptions;
  readonly #pending = new Map<string, (r: SipResponse) => void>();
  readonly #waiters: Array<() => void> = [];
  readonly callId = `${randomBytes(8).toString('hex')}@raw`;
  /** The phone's own credentials: the nonce of the last challenge it answered is kept for `preemptive` requests. */
  readonly #digest: DigestClient;
  #cseq = 0;
  answer: number | null;

  private constructor(sock: dgram.Socket, o: RawPhoneOptions) {
    this.#sock = sock;
    this.#o = o;
    this.answer = o.answer === undefined ? 200 : o.answer;
    this.#digest = new DigestClient({ username: o.user, password: o.password });
    sock.on('message', (data, rinfo) => this.#onMessage(data, rinfo));
  }

  static async open(o: RawPhoneOptions): Promise<RawPhone> {
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => sock.bind(0, o.host, resolve));
    return new RawPhone(sock, o);
  }

  get port(): number {
    return this.#sock.address().port;
  }

  /** The contact URI this phone registers (`;line=` as a Snom phone writes it). */
  contact(line = 'abc123'): string {
    return `sip:${this.#o.user}@${this.#o.host}:${this.port};line=${line}`;
  }

  /** REGISTER with Digest; resolves with the final response (`preemptive`: as for message). */
  async register(
    target: { host: string; port: number }, options: { expires?: number; line?: string; callId?: string; password?: string; preemptive?: boolean } = {},
  ): Promise<SipResponse> {
    const uri = `sip:${this.#o.domain}`;
    const client = options.password === undefined ? this.#digest : new DigestClient({ username: this.#o.user, password: options.password });
    const callId = options.callId ?? this.callId;
    const build = (auth?: string): string =>
      `REGISTER ${uri} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP ${this.#o.host}:${this.port};branch=z9hG4bK${randomBytes(8).toString('hex')};rport\r\n` +
      'Max-Forwards: 70\r\n' +
      `From: <sip:${this.#o.user}@${this.#o.domain}>;tag=${randomBytes(4).toString('hex')}\r\n` +
      `To: <sip:${this.#o.user}@${this.#o.domain}>\r\n` +
      `Call-ID: ${callId}\r\n` +
      `CSeq: ${++this.#cseq} REGISTER\r\n` +
      `Contact: <${this.contact(options.line)}>\r\n` +
      `Expires: ${options.expires ?? 3600}\r\n` +
      (auth === undefined ? '' : `Authorization: ${auth}\r\n`) +
      'User-Agent: raw-phone\r\nContent-Length: 0\r\n\r\n';
    if (options.preemptive === true) return this.#transact(build(cachedCredentials(client, 'REGISTER', uri)), callId, target);
    const first = await this.#transact(build(), callId, target);
    if (first.status !== 401) return first;
    const auth = client.respond(first.headers.getAll('WWW-Authenticate'), 'REGISTER', uri);
    if (!auth.ok) throw auth.error;
    return this.#transact(build(auth.value), callId, target);
  }

  /**
   * MESSAGE to `uri` with Digest (answering one 401). `preemptive`: sent at once with the phone's cached
   * credentials (the last answered nonce, next nc: RFC 3261 §22.3), and its first final response returned.
   */
  async message(target: { host: string; port: number }, uri: string, body = '', options: { password?: string; preemptive?: boolean } = {}): Promise<SipResponse> {
    const client = options.password === undefined ? this.#digest : new DigestClient({ username: this.#o.user, password: options.password });
    const callId = `${randomBytes(8).toString('hex')}@raw`;
    let cseq = 0;
    const build = (auth?: string): string =>
      `MESSAGE ${uri} SIP/2.0\r\n` +
      `Via: SIP/2.0/UDP ${this.#o.host}:${this.port};branch=z9hG4bK${randomBytes(8).toString('hex')};rport\r\n` +
      'Max-Forwards: 70\r\n' +
      `From: <sip:${this.#o.user}@${this.#o.domain}>;tag=${randomBytes(4).toString('hex')}\r\n` +
      `To: <${uri}>\r\n` +
      `Call-ID: ${callId}\r\n` +
      `CSeq: ${++cseq} MESSAGE\r\n` +
      (auth === undefined ? '' : `Authorization: ${auth}\r\n`) +
      `Content-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    if (options.preemptive === true) return this.#transact(build(cachedCredentials(client, 'MESSAGE', uri)), callId, target);
    const first = await this.#transact(build(), callId, target);
    if (first.status !== 401) return first;
    const auth = client.respond(first.headers.getAll('WWW-Authenticate'), 'MESSAGE', uri);
    if (!auth.ok) throw auth.error;
    return this.#transact(build(auth.value), callId, target);
  }

  /** Sends raw bytes (no answer awaited). */
  send(data: string | Buffer, target: { host: string; port: number }): void {
    this.#sock.send(typeof data === 'string' ? Buffer.from(data) : data, target.port, target.host);
  }

  /** Resolves once `n` requests (matching `filter`) were received, or rejects after `timeoutMs`. */
  async waitFor(n: number, timeoutMs = 5000, filter: (r: Received) => boolean = () => true): Promise<Received[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const got = this.received.filter(filter);
      if (got.length >= n) return got;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${n} requests, got ${got.length}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#sock.close(() => resolve()));
  }

  #transact(text: string, callId: string, target: { host: string; port: number }): Promise<SipResponse> {
    const cseq = /CSeq: (\d+)/.exec(text)![1]!;
    const key = `${callId} ${cseq}`;
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => {
        this.#pending.delete(key);
        reject(new Error(`no final response to ${text.slice(0, text.indexOf(' '))}`));
      }, 5000);
      this.#pending.set(key, (r) => {
        clearTimeout(t);
        resolve(r);
      });
      this.#sock.send(Buffer.from(text), target.port, target.host);
    });
  }

  #onMessage(data: Buffer, rinfo: dgram.RemoteInfo): void {
    const r = parseMessage(data);
    if (!r.ok) return;
    const msg = r.value;
    if (msg.kind === 'response') {
      if (msg.status < 200) return;
      const cseq = /^(\d+)/.exec(msg.headers.get('cseq') ?? '')?.[1];
      const key = `${msg.headers.get('call-id')} ${cseq}`;
      const cb = this.#pending.get(key);
      if (cb) {
        this.#pending.delete(key);
        cb(msg);
      }
      return;
    }
    this.received.push({ request: msg, raw: data, at: performance.now(), from: { address: rinfo.address, port: rinfo.port } });
    for (const w of this.#waiters.splice(0)) w();
    if (this.answer === null || msg.method === 'ACK') return;
    const copy = ['via', 'from', 'call-id', 'cseq'];
    let head = `SIP/2.0 ${this.answer} ${this.answer === 200 ? 'OK' : 'Whatever'}\r\n`;
    for (const f of msg.headers) {
      if (copy.includes(f.key)) head += `${f.name}: ${f.value}\r\n`;
      else if (f.key === 'to') head += `${f.name}: ${f.value};tag=rawphone\r\n`;
    }
    head += 'Content-Length: 0\r\n\r\n';
    this.#sock.send(Buffer.from(head), rinfo.port, rinfo.address);
  }
}
