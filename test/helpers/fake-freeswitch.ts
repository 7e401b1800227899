// A fake FreeSWITCH Event Socket server (inbound mode) for tests. It follows FreeSWITCH's own source,
// read in signalwire/freeswitch and re-implemented here (no code copied):
// - src/mod/event_handlers/mod_event_socket/mod_event_socket.c: the `Content-Type: auth/request`
//   greeting; read_packet() (leading CR/LF skipped, block ends at two LFs with CRs ignored, lines split
//   at CR/LF runs, `name: value` with spaces after the colon skipped, a `content-length` header of any
//   case pulls that many body bytes, kept as a C string — cut at NUL); parse_command() replies
//   (`+OK accepted` / `-ERR invalid` then a disconnect, `-ERR command not found`, `+OK event listener
//   enabled plain|json`, `+OK bye`, `+OK <Event-UUID>` for sendevent, `+OK Job-UUID: <uuid>` with a
//   Job-UUID header for bgapi); api_exec() (`api/response` with Content-Length, `-ERR <cmd> Command not
//   found!\n`, `-ERR no reply\n` for empty output, BACKGROUND_JOB with Job-UUID, Job-Command,
//   Job-Command-Arg and the output as body); event delivery (`Content-Length` / `Content-Type:
//   text/event-plain|json`, CUSTOM events only for subscribed subclasses); sendevent (the command's
//   headers become the event's, Event-UUID added, Event-Subclass read for CUSTOM, an event naming a
//   live channel's `unique-id` goes to that channel instead of being fired); send_disconnect().
// - src/switch_event.c: switch_event_serialize (URL-encoded values, `_undef_` for empty, `Content-Length:
//   N` + body) and switch_event_serialize_json (`Content-Length` and `_body` members);
//   src/switch_utils.c switch_url_encode (SWITCH_URL_UNSAFE, bytes < 0x20 or > 0x7E, an existing %XX
//   left as is).
// - src/mod/endpoints/mod_sofia/mod_sofia.c: sofia_contact (modern form `sofia/<profile>/sip:<url>`,
//   comma-joined, `*` searches every profile with duplicates removed, `error/user_not_registered`) and
//   the SEND_MESSAGE handler (profile, content-type, user, host headers; one MESSAGE per registered
//   contact, URI cut at `;fs_`, From = To = sip:user@host); sofia_reg.c: sofia::register /
//   unregister / expire headers and the core registrations url `sofia/<profile>/<proto>:<url>`.
// - src/mod/applications/mod_commands/mod_commands.c: `show registrations [as json]`.
// - src/mod/applications/mod_dptools/mod_dptools.c: the dialplan `event` application (data split at
//   commas by switch_separate_string, `Event-Subclass` sets the subclass without adding a header,
//   channel variables copied as `variable_*` for CUSTOM events).
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { separateString } from '../../src/snom/separate-string.js';

/** A registration as mod_sofia stores it. */
export interface FakeRegistration {
  readonly profile: string;
  readonly user: string;
  readonly host: string;
  /** The Contact as registered, e.g. `<sip:2000@192.0.2.10:5060;line=abc>`. */
  readonly contact: string;
  readonly networkIp: string;
  readonly networkPort?: number;
  readonly networkProto?: 'udp' | 'tcp' | 'tls';
  readonly callId?: string;
  readonly userAgent?: string;
  readonly expires?: number;
}

export interface FakeFreeswitchOptions {
  readonly password?: string;
  /** Sofia profiles and their aliases (domains). */
  readonly profiles?: ReadonlyArray<{ name: string; aliases?: string[] }>;
  /** FreeSWITCH's default domain (used by sofia_contact without @domain). */
  readonly defaultDomain?: string;
  readonly registrations?: FakeRegistration[];
  /** Extra API commands: name → output. */
  readonly api?: Readonly<Record<string, (args: string) => string>>;
  /** false: `show registrations` answers as with SQL disabled. */
  readonly coreDb?: boolean;
  /** Refuse every client as apply-inbound-acl does. */
  readonly rudeRejection?: boolean;
  /** Emulate old FreeSWITCH, whose `event` application also added an Event-Subclass header. */
  readonly eventAppAddsSubclassHeader?: boolean;
}

/** A command as received, byte-exact in `raw`. */
export interface RecordedCommand {
  readonly connection: number;
  readonly line: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
  readonly raw: Buffer;
}

/** An event as FreeSWITCH would fire it. */
export interface FakeEvent {
  readonly name: string;
  readonly subclass?: string;
  readonly headers: Array<[string, string]>;
  readonly body?: string;
}

/** What mod_sofia would have sent for a SEND_MESSAGE event. */
export interface DeliveredMessage {
  readonly profile: string;
  readonly requestUri: string;
  readonly from: string;
  readonly to: string;
  readonly contentType: string;
  readonly body: string;
}

type Behaviour = 'reply' | 'drop' | 'ignore';
interface Rule {
  readonly match: (c: RecordedCommand) => boolean;
  readonly action: Exclude<Behaviour, 'reply'>;
  remaining: number;
}

interface Conn {
  readonly id: number;
  readonly socket: Socket;
  buf: Buffer;
  authed: boolean;
  format: 'plain' | 'json';
  all: boolean;
  readonly events: Set<string>;
  readonly subclasses: Set<string>;
  /** An ignored command blocks the listener thread: nothing after it is answered (as in FreeSWITCH). */
  stuck: boolean;
}

const UNSAFE = new Set(Array.from('\r\n #%&+:;<=>?@[\\]^`{|}"', (c) => c.charCodeAt(0)));
const HEX = '0123456789ABCDEF';
const GOODBYE = 'Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n';

/** switch_url_encode: unsafe and non-printable bytes as %XX; an existing %XX is kept. */
export function fsUrlEncode(value: string): string {
  const b = Buffer.from(value, 'utf8');
  let out = '';
  for (let i = 0; i < b.length; i++) {
    const c = b[i] as number;
    const isHexAt = (j: number): boolean => j < b.length && /[0-9A-Fa-f]/.test(String.fromCharCode(b[j] as number));
    if (c === 0x25 && isHexAt(i + 1) && isHexAt(i + 2)) out += '%';
    else if (c < 0x20 || c > 0x7e || UNSAFE.has(c)) out += `%${HEX[c >> 4]}${HEX[c & 15]}`;
    else out += String.fromCharCode(c);
  }
  return out;
}

/** switch_event_serialize (encoded). */
export function serializePlainEvent(event: FakeEvent): string {
  let s = '';
  for (const [name, value] of event.headers) s += `${name}: ${value === '' ? '_undef_' : fsUrlEncode(value) || '_undef_'}\n`;
  const blen = event.body === undefined ? 0 : Buffer.byteLength(event.body);
  return blen > 0 ? `${s}Content-Length: ${blen}\n\n${event.body}` : `${s}\n`;
}

/** switch_event_serialize_json. */
export function serializeJsonEvent(event: FakeEvent): string {
  const o: Record<string, string> = {};
  for (const [name, value] of event.headers) if (!(name in o)) o[name] = value;
  if (event.body !== undefined) {
    o['Content-Length'] = String(Buffer.byteLength(event.body));
    o._body = event.body;
  }
  return JSON.stringify(o);
}

/** sofia_glue_get_url_from_contact + strip_proto. */
function urlOf(contact: string): string {
  let s = contact.trimStart();
  if (s.startsWith('"')) {
    const e = s.indexOf('"', 1);
    if (e !== -1) s = s.slice(e + 1);
  }
  s = s.trimStart();
  const lt = s.indexOf('<');
  if (lt === -1) return s;
  let depth = 0;
  for (let i = lt; i < s.length; i++) {
    if (s[i] === '<') depth++;
    else if (s[i] === '>' && --depth === 0) return s.slice(lt + 1, i);
  }
  return s.slice(lt + 1);
}

function stripProto(url: string): string {
  const c = url.indexOf(':');
  return c === -1 ? url : url.slice(c + 1);
}

export class FakeFreeswitch {
  readonly host = '127.0.0.1';
  port = 0;
  password: string;
  registrations: FakeRegistration[];
  readonly commands: RecordedCommand[] = [];
  readonly firedEvents: FakeEvent[] = [];
  readonly queuedToChannel: FakeEvent[] = [];
  readonly deliveredMessages: DeliveredMessage[] = [];
  /** What mod_sofia would have logged instead of sending (unknown profile, user not registered). */
  readonly sofiaErrors: string[] = [];
  readonly channels = new Set<string>();
  acceptedConnections = 0;
  /** Delay before a bgapi job's BACKGROUND_JOB is fired (the job "runs" that long). */
  jobDelayMs = 0;
  readonly #o: FakeFreeswitchOptions;
  readonly #server: Server;
  readonly #conns = new Set<Conn>();
  readonly #rules: Rule[] = [];
  #nextConn = 0;
  #sequence = 100;
  readonly #coreUuid = randomUUID();
  #offline = false;

  private constructor(options: FakeFreeswitchOptions) {
    this.#o = options;
    this.password = options.password ?? 'ClueCon';
    this.registrations = [...(options.registrations ?? [])];
    this.#server = createServer((socket) => this.#accept(socket));
  }

  /** Listens on 127.0.0.1, a free port. */
  static async start(options: FakeFreeswitchOptions = {}): Promise<FakeFreeswitch> {
    const fs = new FakeFreeswitch(options);
    await new Promise<void>((resolve) => fs.#server.listen(0, '127.0.0.1', resolve));
    fs.port = (fs.#server.address() as { port: number }).port;
    return fs;
  }

  /** Commands whose line starts with `prefix` (case-insensitive). */
  commandsStarting(prefix: string): RecordedCommand[] {
    return this.commands.filter((c) => c.line.toLowerCase().startsWith(prefix.toLowerCase()));
  }

  /** The next `count` matching commands are recorded, then the connection is cut without a reply. */
  dropOn(match: (c: RecordedCommand) => boolean, count = 1): void {
    this.#rules.push({ match, action: 'drop', remaining: count });
  }

  /** The next `count` matching commands are recorded and never answered; the connection answers nothing after them. */
  ignore(match: (c: RecordedCommand) => boolean, count = 1): void {
    this.#rules.push({ match, action: 'ignore', remaining: count });
  }

  /** Authenticated connections open now. */
  get openConnections(): number {
    return [...this.#conns].filter((c) => c.authed && !c.socket.destroyed).length;
  }

  /** While true, every connection is cut at once (FreeSWITCH down); setting it cuts the open ones. */
  get offline(): boolean {
    return this.#offline;
  }

  set offline(value: boolean) {
    this.#offline = value;
    if (value) this.dropAll();
  }

  /** Cuts every connection abruptly (no disconnect notice). */
  dropAll(): void {
    for (const c of this.#conns) c.socket.destroy();
  }

  /** Builds an event with the headers switch_event_prep_for_delivery adds. */
  makeEvent(name: string, subclass: string | undefined, own: Array<[string, string]>, body?: string, subclassHeader = true): FakeEvent {
    const now = new Date();
    const prep: Array<[string, string]> = [
      ['Event-Name', name],
      ['Core-UUID', this.#coreUuid],
      ['FreeSWITCH-Hostname', 'fakefs'],
      ['FreeSWITCH-Switchname', 'fakefs'],
      ['FreeSWITCH-IPv4', '127.0.0.1'],
      ['FreeSWITCH-IPv6', '::1'],
      ['Event-Date-Local', now.toISOString().slice(0, 19).replace('T', ' ')],
      ['Event-Date-GMT', now.toUTCString()],
      ['Event-Date-Timestamp', String(now.getTime() * 1000)],
      ['Event-Calling-File', 'fake_freeswitch.c'],
      ['Event-Calling-Function', 'fake'],
      ['Event-Calling-Line-Number', '1'],
      ['Event-Sequence', String(++this.#sequence)],
    ];
    const headers: Array<[string, string]> = [...(subclass !== undefined && subclassHeader ? [['Event-Subclass', subclass] as [string, string]] : []), ...prep, ...own];
    return { name, ...(subclass !== undefined ? { subclass } : {}), headers, ...(body !== undefined ? { body } : {}) };
  }

  /** Fires an event to every subscribed connection (as switch_event_fire + mod_event_socket). */
  fire(event: FakeEvent): void {
    this.firedEvents.push(event);
    for (const c of this.#conns) {
      if (!c.authed || c.socket.destroyed) continue;
      const wanted = c.all || (c.events.has(event.name) && (event.name !== 'CUSTOM' || event.subclass === undefined || c.subclasses.has(event.subclass)));
      if (!wanted) continue;
      const text = c.format === 'json' ? serializeJsonEvent(event) : serializePlainEvent(event);
      c.socket.write(`Content-Length: ${Buffer.byteLength(text)}\nContent-Type: text/event-${c.format}\n\n${text}`);
    }
  }

  /** Adds a registration and fires sofia::register with mod_sofia's headers. */
  register(reg: FakeRegistration, refresh = false): void {
    this.registrations = this.registrations.filter((r) => !(r.callId !== undefined && r.callId === reg.callId));
    this.registrations.push(reg);
    this.fire(this.makeEvent('CUSTOM', 'sofia::register', [
      ['profile-name', reg.profile], ['from-user', reg.user], ['from-host', reg.host], ['presence-hosts', 'n/a'],
      ['contact', reg.contact], ['call-id', reg.callId ?? ''], ['rpid', 'unknown'], ['status', 'Registered(UDP)'],
      ['expires', String(reg.expires ?? 3600)], ['to-user', reg.user], ['to-host', reg.host],
      ['network-ip', reg.networkIp], ['network-port', String(reg.networkPort ?? 5060)], ['username', reg.user],
      ['realm', reg.host], ['user-agent', reg.userAgent ?? 'snom370-SIP 8.7.5.35'], ...(refresh ? [['update-reg', 'true'] as [string, string]] : []),
    ]));
  }

  /** Removes a registration and fires sofia::unregister (or sofia::expire). */
  unregister(reg: FakeRegistration, how: 'unregister' | 'expire' = 'unregister'): void {
    this.registrations = this.registrations.filter((r) => r !== reg);
    const own: Array<[string, string]> = how === 'unregister'
      ? [['profile-name', reg.profile], ['username', reg.user], ['from-user', reg.user], ['from-host', reg.host], ['contact', reg.contact],
        ['call-id', reg.callId ?? ''], ['rpid', 'unknown'], ['realm', reg.host], ['expires', '0']]
      : [['profile-name', reg.profile], ['call-id', reg.callId ?? ''], ['user', reg.user], ['host', reg.host], ['contact', reg.contact],
        ['expires', String(Math.floor(Date.now() / 1000))], ['user-agent', reg.userAgent ?? ''], ['realm', reg.host]];
    this.fire(this.makeEvent('CUSTOM', `sofia::${how}`, own));
  }

  /**
   * The dialplan `event` application run on a channel: `data` split at commas (switch_separate_string),
   * `name=value` pairs trimmed; Event-Name/Event-Subclass set the event; channel data and (CUSTOM) the
   * channel variables are added.
   */
  runEventApplication(channel: { uuid: string; variables?: Record<string, string> }, data: string): FakeEvent {
    this.channels.add(channel.uuid);
    let name = 'CHANNEL_APPLICATION';
    let subclass: string | undefined;
    const own: Array<[string, string]> = [];
    const line = data.startsWith('^^') ? data : `^^,${data}`;
    for (const arg of separateString(line, 25)) {
      const eq = arg.indexOf('=');
      if (eq === -1) continue;
      const k = arg.slice(0, eq).replace(/^ +| +$/g, '');
      const v = arg.slice(eq + 1).replace(/^ +/, '');
      if (k.toLowerCase() === 'event-name') {
        name = v;
        own.push(['Event-Name', v]);
      } else if (k.toLowerCase() === 'event-subclass') {
        subclass = v;
      } else {
        own.push([k, v]);
      }
    }
    const channelData: Array<[string, string]> = [['Channel-Name', `sofia/internal/2000@example.com`], ['Unique-ID', channel.uuid]];
    if (name === 'CUSTOM') for (const [k, v] of Object.entries(channel.variables ?? {})) channelData.push([`variable_${k}`, v]);
    const event = this.makeEvent(name, subclass, [...own.filter(([k]) => k !== 'Event-Name'), ...channelData], undefined, this.#o.eventAppAddsSubclassHeader === true);
    this.fire(event);
    return event;
  }

  /** Polls until `check` holds (or throws after timeoutMs). */
  async waitFor(check: () => boolean, timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('fake FreeSWITCH: condition not met in time');
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  async close(): Promise<void> {
    for (const c of this.#conns) c.socket.destroy();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- connection handling ----

  #accept(socket: Socket): void {
    if (this.#offline) {
      socket.destroy();
      return;
    }
    this.acceptedConnections++;
    const conn: Conn = { id: ++this.#nextConn, socket, buf: Buffer.alloc(0), authed: false, format: 'plain', all: false, events: new Set(), subclasses: new Set(), stuck: false };
    this.#conns.add(conn);
    socket.on('close', () => this.#conns.delete(conn));
    socket.on('error', () => undefined);
    if (this.#o.rudeRejection) {
      const msg = 'Access Denied, go away.\n';
      socket.end(`Content-Type: text/rude-rejection\nContent-Length: ${msg.length}\n\n${msg}`);
      return;
    }
    socket.write('Content-Type: auth/request\n\n');
    socket.on('data', (chunk: Buffer) => {
      conn.buf = Buffer.concat([conn.buf, chunk]);
      for (let cmd = this.#readPacket(conn); cmd && !socket.destroyed; cmd = this.#readPacket(conn)) this.#handle(conn, cmd);
    });
  }

  /** read_packet(): one command, or undefined when incomplete. */
  #readPacket(conn: Conn): RecordedCommand | undefined {
    let start = 0;
    while (start < conn.buf.length && (conn.buf[start] === 0x0a || conn.buf[start] === 0x0d)) start++;
    let lfs = 0;
    let end = -1;
    for (let i = start; i < conn.buf.length; i++) {
      const c = conn.buf[i];
      if (c === 0x0a) lfs++;
      else if (c !== 0x0d) lfs = 0;
      if (lfs === 2) {
        end = i + 1;
        break;
      }
    }
    if (end === -1) return undefined;
    const lines = conn.buf.subarray(start, end).toString('utf8').split(/[\r\n]+/).filter((l) => l !== '');
    const headers: Array<[string, string]> = [];
    let clen = 0;
    for (const l of lines.slice(1)) {
      const colon = l.indexOf(':');
      if (colon === -1) continue;
      const name = l.slice(0, colon);
      const value = l.slice(colon + 1).replace(/^ +/, '');
      headers.push([name, value]);
      if (name.toLowerCase() === 'content-length') clen = Math.max(0, parseInt(value, 10) || 0);
    }
    if (conn.buf.length < end + clen) return undefined;
    let body = Buffer.from(conn.buf.subarray(end, end + clen));
    const nul = body.indexOf(0);
    if (nul !== -1) body = body.subarray(0, nul);
    const raw = Buffer.from(conn.buf.subarray(0, end + clen));
    conn.buf = conn.buf.subarray(end + clen);
    return { connection: conn.id, line: lines[0] ?? '', headers, body, raw };
  }

  #handle(conn: Conn, cmd: RecordedCommand): void {
    this.commands.push(cmd);
    if (conn.stuck) return;
    const rule = this.#rules.find((r) => r.remaining > 0 && r.match(cmd));
    if (rule) {
      rule.remaining--;
      if (rule.action === 'drop') conn.socket.destroy();
      else conn.stuck = true;
      return;
    }
    const line = cmd.line;
    const lower = line.toLowerCase();
    const reply = (text: string): void => void conn.socket.write(`Content-Type: command/reply\nReply-Text: ${text}\n\n`);
    if (lower.startsWith('exit') || lower.startsWith('...')) {
      reply('+OK bye');
      this.#disconnect(conn);
      return;
    }
    if (!conn.authed) {
      if (lower.startsWith('auth ')) {
        if (line.slice(5) === this.password) {
          conn.authed = true;
          reply('+OK accepted');
        } else {
          reply('-ERR invalid');
          this.#disconnect(conn);
        }
        return;
      }
      reply('-ERR command not found');
      return;
    }
    if (lower.startsWith('api ')) {
      const out = this.#runApi(line.slice(4));
      const body = out === '' ? '-ERR no reply\n' : out;
      conn.socket.write(`Content-Type: api/response\nContent-Length: ${Buffer.byteLength(body)}\n\n${body}`);
      return;
    }
    if (lower.startsWith('bgapi ')) {
      const job = cmd.headers.find(([k]) => k.toLowerCase() === 'job-uuid')?.[1] ?? randomUUID();
      conn.socket.write(`Content-Type: command/reply\nReply-Text: +OK Job-UUID: ${job}\nJob-UUID: ${job}\n\n`);
      const text = line.slice(6);
      const sp = text.indexOf(' ');
      setTimeout(() => {
        const out = this.#runApi(text);
        this.fire(this.makeEvent('BACKGROUND_JOB', undefined, [
          ['Job-UUID', job], ['Job-Command', sp === -1 ? text : text.slice(0, sp)], ...(sp === -1 ? [] : [['Job-Command-Arg', text.slice(sp + 1)] as [string, string]]),
        ], out === '' ? undefined : out));
      }, this.jobDelayMs);
      return;
    }
    if (lower.startsWith('sendevent')) {
      reply(`+OK ${this.#sendevent(cmd)}`);
      return;
    }
    if (lower.startsWith('event')) {
      const words = line.split(' ').slice(1);
      let custom = false;
      let keys = 0;
      for (const [i, w] of words.entries()) {
        if (i === 0 && /^(plain|json|xml)$/i.test(w)) {
          conn.format = w.toLowerCase() === 'json' ? 'json' : 'plain';
          continue;
        }
        if (custom) conn.subclasses.add(w);
        else if (/^[A-Z_]+$/.test(w)) {
          keys++;
          if (w === 'ALL') conn.all = true;
          conn.events.add(w);
          if (w === 'CUSTOM') custom = true;
        }
      }
      reply(keys === 0 ? '-ERR no keywords supplied' : `+OK event listener enabled ${conn.format}`);
      return;
    }
    reply('-ERR command not found');
  }

  #disconnect(conn: Conn): void {
    conn.socket.end(`Content-Type: text/disconnect-notice\nContent-Length: ${GOODBYE.length}\n\n${GOODBYE}`);
  }

  #sendevent(cmd: RecordedCommand): string {
    const uuid = randomUUID();
    const name = cmd.line.slice('sendevent'.length).trim();
    const get = (k: string): string | undefined => cmd.headers.find(([n]) => n.toLowerCase() === k)?.[1];
    const own: Array<[string, string]> = [['Command', cmd.line], ...cmd.headers.map(([k, v]) => [k, v] as [string, string]), ['Event-UUID', uuid]];
    const subclass = name === 'CUSTOM' ? get('event-subclass') : undefined;
    const event: FakeEvent = { name, ...(subclass !== undefined ? { subclass } : {}), headers: [...own, ...this.makeEvent(name, undefined, []).headers], ...(cmd.body.length > 0 ? { body: cmd.body.toString('utf8') } : {}) };
    const target = get('unique-id');
    if (target !== undefined && this.channels.has(target)) {
      this.queuedToChannel.push(event);
      return uuid;
    }
    this.fire(event);
    if (name === 'SEND_MESSAGE') this.#sofiaSendMessage(event, get);
    return uuid;
  }

  /** mod_sofia's SEND_MESSAGE handler. */
  #sofiaSendMessage(event: FakeEvent, get: (k: string) => string | undefined): void {
    const [profile, ct, user, host] = [get('profile'), get('content-type'), get('user'), get('host')];
    if (!ct || !user || !host) return;
    const p = profile === undefined ? undefined : this.#findProfile(profile);
    if (!p) {
      this.sofiaErrors.push(`Can't find profile ${profile ?? '(null)'}`);
      return;
    }
    const regs = this.registrations.filter((r) => r.profile === p && r.user === user && r.host === host);
    if (regs.length === 0) {
      this.sofiaErrors.push(`Can't find registered user ${user}@${host}`);
      return;
    }
    for (const r of regs) {
      const url = urlOf(r.contact);
      const cut = url.indexOf(';fs_');
      this.deliveredMessages.push({ profile: p, requestUri: cut === -1 ? url : url.slice(0, cut), from: `sip:${user}@${host}`, to: `sip:${user}@${host}`, contentType: ct, body: event.body ?? '' });
    }
  }

  #findProfile(name: string): string | undefined {
    const profiles = this.#o.profiles ?? [{ name: 'internal' }];
    return profiles.find((p) => p.name === name || (p.aliases ?? []).includes(name))?.name;
  }

  #runApi(text: string): string {
    const sp = text.indexOf(' ');
    const cmd = sp === -1 ? text : text.slice(0, sp);
    const args = sp === -1 ? '' : text.slice(sp + 1);
    const custom = Object.entries(this.#o.api ?? {}).find(([k]) => k.toLowerCase() === cmd.toLowerCase());
    if (custom) return custom[1](args);
    if (cmd === 'sofia_contact') return this.#sofiaContact(args);
    if (cmd === 'show' && /^registrations(\s|$)/i.test(args)) return this.#showRegistrations(/\bas json$/i.test(args));
    if (cmd === 'sofia' && /^status profile \S+/i.test(args)) return this.#sofiaStatusProfile(args.split(' ')[2] ?? '');
    if (cmd === 'status') return 'UP 0 years, 0 days, 0 hours, 1 minute, 0 seconds\nFreeSWITCH (fake) is ready\n';
    return `-ERR ${cmd} Command not found!\n`;
  }

  /** sofia_contact_function (modern). */
  #sofiaContact(spec: string): string {
    if (spec === '') return '';
    let profileName: string | undefined;
    let user = spec;
    const slash = spec.indexOf('/');
    if (slash !== -1) {
      profileName = spec.slice(0, slash);
      user = spec.slice(slash + 1);
    }
    let domain: string | undefined;
    const at = user.indexOf('@');
    if (at !== -1) {
      domain = user.slice(at + 1).split('/')[0];
      user = user.slice(0, at);
    } else {
      user = user.split('/')[0] ?? user;
    }
    if (!domain) domain = this.#o.defaultDomain ?? 'example.com';
    let profile: string | undefined;
    if (!profileName || profileName !== '*') {
      if (profileName) profile = this.#findProfile(profileName);
      if (!profile) profile = this.#findProfile(domain);
    }
    const entry = (r: FakeRegistration): string => `sofia/${r.profile}/sip:${stripProto(urlOf(r.contact))}`;
    const matches = (r: FakeRegistration, d: string): boolean => r.user.toUpperCase() === user.toUpperCase() && r.host === d;
    const out: string[] = [];
    if (profile) {
      for (const r of this.registrations) if (r.profile === profile && matches(r, domain)) out.push(entry(r));
    } else {
      for (const r of this.registrations) if (matches(r, domain) && !out.includes(entry(r))) out.push(entry(r));
    }
    return out.length === 0 ? 'error/user_not_registered' : out.join(',');
  }

  /** sofia status profile <name> (sofia.c cmd_status): a profile's summary, or `Invalid Profile!`. */
  #sofiaStatusProfile(name: string): string {
    const profile = this.#findProfile(name);
    if (profile === undefined) return 'Invalid Profile!\n';
    const line = '='.repeat(94);
    return `${line}\nName             \t${profile}\nDomain Name      \tN/A\nAuto-NAT         \tfalse\nDBName           \tsofia_reg_${profile}\n` +
      `${line}\n`;
  }

  /** show registrations [as json] (core table). */
  #showRegistrations(json: boolean): string {
    if (this.#o.coreDb === false) return '-ERR SQL DISABLED NO DATA AVAILABLE!\n';
    const rows = this.registrations.map((r) => ({
      reg_user: r.user,
      realm: r.host,
      token: r.callId ?? '',
      url: `sofia/${r.profile}/${r.networkProto === 'tls' ? 'sips' : 'sip'}:${stripProto(urlOf(r.contact))}`,
      expires: String(Math.floor(Date.now() / 1000) + (r.expires ?? 3600)),
      network_ip: r.networkIp,
      network_port: String(r.networkPort ?? 5060),
      network_proto: r.networkProto ?? 'udp',
      hostname: 'fakefs',
      metadata: '',
    }));
    if (json) return rows.length === 0 ? '{"row_count": 0}\n' : JSON.stringify({ row_count: rows.length, rows });
    const cols = 'reg_user,realm,token,url,expires,network_ip,network_port,network_proto,hostname,metadata';
    const body = rows.map((r) => Object.values(r).join(',')).join('\n');
    return rows.length === 0 ? '\n0 total.\n' : `${cols}\n${body}\n\n${rows.length} total.\n`;
  }
}
