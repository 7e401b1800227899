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
  properties: { types: { type: 'string', maxLength: 512, pattern: `^(${EVENT_TYPES.join('|')})(,(${EVENT_TYPES.join('|')}))*$`, description: `comma-separated: ${EVENT_TYPES.join(', ')}` } },
} as const;

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
