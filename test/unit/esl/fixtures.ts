// Wire fixtures shared by the ESL unit tests, written as FreeSWITCH sends them.

/** A sofia::register event as mod_event_socket sends it in plain format (values URL-encoded). */
export const REGISTER_PLAIN = [
  'Event-Subclass: sofia%3A%3Aregister',
  'Event-Name: CUSTOM',
  'Core-UUID: 0c7a4a12-7c3b-4d6e-9f0a-1b2c3d4e5f60',
  'FreeSWITCH-Hostname: pbx1',
  'FreeSWITCH-IPv6: %3A%3A1',
  'Event-Date-Local: 2024-05-02%2010%3A11%3A12',
  'Event-Sequence: 4711',
  'profile-name: internal',
  'from-user: 2000',
  'from-host: example.com',
  'presence-hosts: n/a',
  'contact: %22Front%20Desk%22%20%3Csip%3A2000%40192.0.2.10%3A5060%3Bline%3Dkq3fz1%3E',
  'call-id: 3c26700b1f9e-mq7r1c8k4w2x',
  'rpid: unknown',
  'status: Registered(UDP)',
  'expires: 3600',
  'to-user: 2000',
  'to-host: example.com',
  'network-ip: 198.51.100.7',
  'network-port: 40312',
  'username: 2000',
  'realm: example.com',
  'user-agent: snomD785%2F10.1.54.13',
  '',
  '',
].join('\n');

/** sofia::unregister (phone sent REGISTER with Expires: 0). */
export const UNREGISTER_PLAIN = [
  'Event-Subclass: sofia%3A%3Aunregister',
  'Event-Name: CUSTOM',
  'Event-Sequence: 4712',
  'profile-name: internal',
  'username: 2000',
  'from-user: 2000',
  'from-host: example.com',
  'contact: %3Csip%3A2000%40192.0.2.10%3A5060%3Bline%3Dkq3fz1%3E',
  'call-id: 3c26700b1f9e-mq7r1c8k4w2x',
  'rpid: unknown',
  'realm: example.com',
  'expires: 0',
  '',
  '',
].join('\n');

/** sofia::expire (the binding timed out; mod_sofia names the user `user` and `host` here). */
export const EXPIRE_PLAIN = [
  'Event-Subclass: sofia%3A%3Aexpire',
  'Event-Name: CUSTOM',
  'Event-Sequence: 4713',
  'profile-name: internal',
  'call-id: 3c26700b1f9e-mq7r1c8k4w2x',
  'user: 2000',
  'host: example.com',
  'contact: %3Csip%3A2000%40192.0.2.10%3A5060%3Bline%3Dkq3fz1%3Bfs_nat%3Dyes%3E',
  'expires: 1714644672',
  'user-agent: snomD785%2F10.1.54.13',
  'realm: example.com',
  '',
  '',
].join('\n');

/**
 * A snom::api event fired by the dialplan `event` application of a recent FreeSWITCH: the subclass is
 * set without an Event-Subclass header; the command line arrives as a channel variable.
 */
export const DIALPLAN_PLAIN = [
  'Event-Name: CUSTOM',
  'Core-UUID: 0c7a4a12-7c3b-4d6e-9f0a-1b2c3d4e5f60',
  'Event-Sequence: 4720',
  'snom-request-id: 5b3e2f9a-0d4c-4e1b-8a77-4c2d1e0f9a10',
  'Channel-Name: sofia/internal/2000%40example.com',
  'Unique-ID: 8f2e4b1c-1111-2222-3333-444455556666',
  'variable_sip_from_user: 2000',
  "variable_snom_api_command: snom_bind_key%202%20on%20'Do%20not%20disturb'%202000%20example.com%20internal%20message%20api%2Buuid_transfer%208f2e4b1c-1111-2222-3333-444455556666%209001",
  '',
  '',
].join('\n');
