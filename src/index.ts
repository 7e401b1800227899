// The snomctl library (package export "."): the service, the pure Snom formats, the phone web client and
// the virtual Snom phone. The CLI, the REST app and `snomctl serve` are not part of it.

// service: createService wires store, registrar, SIP, key delivery and events
export * from './service/index.js';
export { CommandService, COMMAND_SERVICE_DEFAULTS, type BulkOptions, type BulkOutcome, type CommandOptions, type TargetSpec } from './service/commands/command-service.js';
export { commandSeamFactory, type CommandSeamOptions, type CommandSeamWithService } from './service/commands/command-seam-factory.js';
export type { PhoneCommand } from './service/commands/phone-command.js';
export type { PhoneCommandResult, PhoneRef, SnomCommandOutcome, TargetError, TargetErrorCode, TargetOutcome } from './service/commands/command-result.js';
export { ConfigError, loadConfig, serviceOptionsFromConfig, validateConfig, type ConfigFlags, type SnomctlConfig } from './service/config/index.js';

// snom: pure formats (no I/O)
export { decodeXButtons, encodeModSnom, encodeXButtons, XButtonsParseError, X_BUTTONS_CONTENT_TYPE } from './snom/x-buttons.js';
export {
  KEY_STATE_LIMITS, KeyStateError, validateKeyState, validateXButtonsDocument, type KeyState, type KeyStateLimits, type KeyStateValidationOptions,
  type XButtonsDocument,
} from './snom/key-state.js';
export { KEY_ACTIONS, LED_COLOURS, LIGHTS, type KeyAction, type LedColour, type Light } from './snom/lights.js';
export { isSnomKeyName, normalizeKeyName } from './snom/key-names.js';
export {
  parseModSnomCommand, type BindKeyRequest as ModSnomBindKeyRequest, type ModSnomParseError, type ModSnomRequest, type SnomCommandRequest,
  type SnomUrlRequest,
} from './snom/mod-snom-command.js';
export { redactApiLine, toWireReply } from './snom/mod-snom-reply.js';
export { parseCommandTarget, type CommandTarget } from './snom/command-target.js';
export { parseKeySequence, KeySequenceError, type KeyEvent } from './snom/key-sequence.js';

// phone: the client for a phone's web server
export { PhoneClient, PHONE_CLIENT_DEFAULTS, type PhoneClientOptions, type PhoneRequestOptions } from './phone/phone-client.js';
export { PhoneOperations, type OperationOptions, type PhoneOperationsOptions, type ScreenshotResult } from './phone/phone-operations.js';
export type { PhoneAddress, PhoneCredentials, PhoneScheme } from './phone/phone-address.js';
export type { PhoneFailure, PhoneFailureCode, PhoneResult, PhoneSuccess } from './phone/phone-result.js';

// sim: the virtual Snom phone (tests, demos)
export {
  createVirtualPhoneWeb, PhoneFleet, PhoneState, VirtualPhone, type PhoneFleetOptions, type PhoneSnapshot, type VirtualPhoneOptions,
  type VirtualPhoneUrls, type VirtualPhoneWeb,
} from './sim/index.js';

// util
export { err, InvalidOptionError, ok, SnomError, type Result } from './util/errors.js';
