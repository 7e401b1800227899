// The virtual Snom phone as a library (tests, benchmarks, the demo): one phone, a fleet, or the parts.
export { VirtualPhone, type VirtualPhoneOptions, type VirtualPhoneUrls } from './virtual-phone.js';
export { VIRTUAL_PHONE_DEFAULTS } from './virtual-phone-options.js';
export {
  PhoneFleet, FLEET_DEFAULTS, fleetAddresses, fleetUser, type FleetHttpMode, type FleetPhoneOptions, type FleetStartReport,
  type PhoneFleetOptions,
} from './phone-fleet.js';
export { phoneCommand, type PhoneCommandIo } from './phone-command.js';
export { PhoneState, type PhoneStateOptions } from './phone-state.js';
export type * from './phone-state-types.js';
export { PhoneSipAgent, type PhoneSipAgentOptions, type SentRequestRecord } from './sip-agent.js';
export type { IncomingCallPolicy } from './sip-calls.js';
export { PHONE_ACCEPT } from './sip-incoming.js';
export { instanceUrn, type SipIdentity, type SipIdentityOptions } from './sip-identity.js';
export { PHONE_ALLOW, type RegistrationOutcome } from './sip-registration.js';
export { ConcurrencyLimiter, SimScheduler } from './sip-scheduler.js';
export { SharedWebListener } from './shared-web-listener.js';
export { createVirtualPhoneWeb, type VirtualPhoneWeb, type VirtualPhoneWebOptions } from './web/virtual-phone-web.js';
export { PhoneWebServer } from './web/phone-web-server.js';
