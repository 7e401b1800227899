// The service layer's public surface: what api/, cli/, main.ts and library users import.
export { createService, Service, type KeyStatus, type SipListenAddress } from './service.js';
export { SERVICE_DEFAULTS, type ProfileOptions, type ServiceLogger, type ServiceOptions, type ServiceUser } from './service-options.js';
export { InvalidBindRequestError, ServiceStateError, UnknownProfileError } from './service-errors.js';
export type { BindKeyResult, ContactResult, DeliveryCause, DeliveryEvent, KeyVersion } from './delivery-types.js';
export type { BindKeyRequest } from './key-service.js';
export type { ApiOutcome, ApiResult } from './mod-snom-api.js';
export { EventBus, type BusEvent, type EventStream, type StreamOptions } from './event-bus.js';
export type { ButtonPressEvent, KeysEvent, RegistrationEvent, ServiceEventMap } from './service-events.js';
export type { DeliverOptions, DeliveryBody, KeyTarget, Route, RouteContact, RouteContacts, RouteKind, SendError, SendOutcome } from './route.js';
export type { CommandReply, CommandSeam, CommandSeamContext, CommandSeamFactory } from './command-seam.js';
export type { BodyFormat } from './document-builder.js';
export type { ProxySettings } from './proxy-route.js';
