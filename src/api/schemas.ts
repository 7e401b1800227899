// JSON schemas of the REST routes' inputs (validated by fastify; listed in /openapi.json).

const str = (maxLength: number, description?: string) => ({ type: 'string', minLength: 1, maxLength, ...(description ? { description } : {}) }) as const;

/** KeyState (src/snom/key-state.ts); values are checked further by the service (400 naming the field). */
export const keyStateSchema = {
  type: 'object',
  required: ['key'],
  additionalProperties: false,
  properties: {
    key: str(64, "x-buttons k=: the key's name or index"),
    light: str(32, 'c=: on, off, blinking, … (see snom-protocol.md §2.2)'),
    label: { type: 'string', maxLength: 256 },
    action: str(32, 'a=: what pressing the key does'),
    number: { type: 'string', maxLength: 1024 },
    colour: str(32),
    displayName: { type: 'string', maxLength: 1024 },
    forward: { type: 'string', maxLength: 1024 },
    caller: { type: 'string', maxLength: 1024 },
    direction: { type: 'string', maxLength: 1024 },
    messageWaiting: { type: 'string', maxLength: 1024 },
    extra: {
      type: 'array', maxItems: 32,
      items: { type: 'object', required: ['name', 'value'], additionalProperties: false, properties: { name: str(64), value: { type: 'string', maxLength: 1024 } } },
    },
  },
} as const;

/** POST /v1/keys. */
export const bindKeysBody = {
  type: 'object',
  required: ['profile', 'user', 'host', 'keys'],
  additionalProperties: false,
  properties: {
    profile: str(64),
    user: str(256),
    host: str(256),
    keys: { type: 'array', minItems: 1, maxItems: 256, items: keyStateSchema },
  },
} as const;

/** `:aor` = `user@host`. */
export const aorParams = {
  type: 'object',
  required: ['aor'],
  properties: { aor: { type: 'string', minLength: 3, maxLength: 512, pattern: '^[^@\\s]+@[^@\\s]+$', description: 'user@host' } },
} as const;

/** `?profile=`; default the first configured profile. */
export const profileQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { profile: str(64) },
} as const;

/** The command kinds POST /v1/commands accepts. */
export const COMMAND_KINDS = ['key', 'action', 'dial', 'dtmf', 'release-all-calls', 'play-ringer', 'setting'] as const;

/** POST /v1/commands: `target` or `targets`, and one command (its fields checked per kind by the handler). */
export const commandsBody = {
  type: 'object',
  required: ['command'],
  additionalProperties: false,
  properties: {
    target: str(512, 'an IP address, host name, */user, */user@domain or profile/user@domain'),
    targets: {
      description: "a list of targets, or 'all-registered'",
      anyOf: [
        { type: 'array', minItems: 1, maxItems: 10_000, items: str(512) },
        { type: 'string', enum: ['all-registered'] },
      ],
    },
    command: {
      type: 'object',
      required: ['kind'],
      additionalProperties: false,
      properties: {
        kind: { type: 'string', enum: COMMAND_KINDS },
        keys: { type: 'string', minLength: 1, maxLength: 4096, description: 'key sequence (kind key)' },
        action: str(256),
        number: str(256),
        outgoingUri: str(512),
        digits: str(256),
        ringer: { type: 'integer', minimum: 1, maximum: 100 },
        name: str(256),
        value: { type: 'string', maxLength: 4096 },
      },
    },
    username: str(256),
    password: { type: 'string', maxLength: 1024 },
  },
} as const;

/** POST /v1/api: a whole line, or the command and its arguments. */
export const apiBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    line: { type: 'string', minLength: 1, maxLength: 8192 },
    command: { type: 'string', enum: ['snom_bind_key', 'snom_command', 'snom_url'] },
    args: { type: 'array', maxItems: 64, items: { type: 'string', maxLength: 4096 } },
  },
} as const;

/** The SSE event types. */
export const EVENT_TYPES = ['registered', 'refreshed', 'restarted', 'unregistered', 'expired', 'delivery', 'keys', 'button-press', 'action-url'] as const;

/** GET /v1/events. */
export const eventsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    types: { type: 'string', maxLength: 512, pattern: `^(${EVENT_TYPES.join('|')})(,(${EVENT_TYPES.join('|')}))*$`, description: `comma-separated: ${EVENT_TYPES.join(', ')}` },
    phone: { type: 'string', minLength: 3, maxLength: 512, pattern: '^[^@\\s]+@[^@\\s]+$', description: 'only the events of this phone (user@host), live and replayed' },
    since: { type: 'string', minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9_.-]+$', description: 'resume after this event id (for clients that cannot send the Last-Event-ID header, which wins when both are given)' },
    replay: { type: 'string', pattern: '^(0|[1-9][0-9]{0,6})$', description: 'first send up to this many of the most recent buffered events (after the types/phone filters), then `replayed`; ignored when resuming' },
  },
} as const;

/** The events route's protocol, for the OpenAPI document (docs/cli.md repeats it). */
export const EVENTS_DESCRIPTION = [
  `Server-Sent Events: \`id: <run>-<seq>\`, \`event: <type>\`, \`data: <json>\`; types ${EVENT_TYPES.join(', ')}.`,
  'Ids grow by one per event during one service run; `<run>` changes when the service restarts.',
  'The service keeps the most recent events (1,000 by default). Resuming: send the last id seen as the `Last-Event-ID` header',
  '(EventSource does so when it reconnects) or as `?since=<id>`: the kept events after it that pass the filters come first,',
  'then a `replayed` event (`{ count, lastId }`, no id), then live events. When the id is not of this run or its successors',
  'are no longer kept, a `reset` event (`{ reason: "unknown-id"|"too-old", lastId }`, with `id: <lastId>`) comes instead:',
  'events were missed, reload the state (GET /v1/phones, …). `?replay=N` without an id: the N most recent kept events, then',
  '`replayed` (a page opening a phone uses `?phone=user@host&replay=30`). `reset` and `replayed` are sent whatever `?types=` says.',
  "Comments (`: connected`, `: heartbeat`) keep the connection alive.",
].join(' ');

/** One phone of GET /v1/phones (documentation only: the answer is not filtered through it). */
export const phoneSchema = {
  type: 'object',
  required: ['user', 'host', 'contacts', 'profiles'],
  properties: {
    user: { type: 'string' },
    host: { type: 'string' },
    profile: { type: 'string', description: 'the first of `profiles` (the first configured profile when the phone has none): the default for its keys' },
    profiles: {
      type: 'array',
      description: 'the profiles the phone belongs to, in configuration order: those holding keys for it, and every embedded-route profile when it is registered here',
      items: {
        type: 'object', required: ['name', 'route', 'keys'],
        properties: {
          name: { type: 'string' },
          route: { type: 'string', enum: ['embedded', 'proxy', 'freeswitch'], description: 'how the profile delivers keys' },
          keys: { type: 'integer', description: 'desired keys stored for the phone under this profile' },
        },
      },
    },
    contacts: {
      type: 'array',
      items: {
        type: 'object', required: ['uri', 'source', 'expiresAt'],
        properties: {
          uri: { type: 'string' },
          source: { type: 'object', properties: { transport: { type: 'string' }, address: { type: 'string' }, port: { type: 'integer' } } },
          userAgent: { type: 'string' },
          expiresAt: { type: 'integer', description: 'ms since the epoch' },
        },
      },
    },
    inventory: {
      type: 'object',
      properties: { webAddress: { type: 'string' }, scheme: { type: 'string' }, insecureTls: { type: 'boolean' }, username: { type: 'string' }, hasPassword: { type: 'boolean' } },
    },
    lastDelivery: { type: 'object', description: 'the newest delivery record of the phone over all profiles' },
  },
} as const;

/** GET /v1/phones' answer. */
export const phonesResponse = { type: 'object', required: ['phones'], properties: { phones: { type: 'array', items: phoneSchema } } } as const;

/** GET /v1/action-url/:event. */
export const actionUrlParams = {
  type: 'object',
  required: ['event'],
  properties: { event: { type: 'string', minLength: 1, maxLength: 64 } },
} as const;

/** The error envelope. */
export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } },
} as const;
