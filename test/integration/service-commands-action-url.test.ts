// End to end with the virtual Snom phone: snom_command presses DND on the phone found through the
// Registrar, the phone fires its Action URL at a real HTTP server that hands requests to
// ActionUrlReceiver, and the typed event comes out with the phone identified by its registration.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { PhoneClient } from '../../src/phone/phone-client.js';
import type { Registrar } from '../../src/registrar/registrar.js';
import type { ActionUrlEvent } from '../../src/service/commands/action-url-events.js';
import { ActionUrlReceiver } from '../../src/service/commands/action-url-receiver.js';
import { CombinedLocationSource } from '../../src/service/commands/combined-locations.js';
import { CommandService } from '../../src/service/commands/command-service.js';
import { RegistrarLocationSource, identifyByRegistration } from '../../src/service/commands/registrar-locations.js';
import { createVirtualPhoneWeb, type VirtualPhoneWeb } from '../../src/sim/web/virtual-phone-web.js';
import { DOMAIN, makeRegistrar, registerFrom } from '../unit/service/commands/command-fixtures.js';

// Loopback connections leave from 127.0.0.1 whatever address they go to, so the phone lives there too:
// its REGISTER source, its web server and its Action URL requests then share one address.
const HOST = '127.0.0.1';
const T0 = Date.UTC(2025, 0, 2, 3, 4, 5);

let phone: VirtualPhoneWeb;
let registrar: Registrar;
let client: PhoneClient;
let service: CommandService;
let endpoint: http.Server;
let base: string;
const events: ActionUrlEvent[] = [];
const statuses: number[] = [];

before(async () => {
  registrar = makeRegistrar({ '6000': { trustedNetworks: ['127.0.0.1/32'] } });
  await registerFrom(registrar, { user: '6000', address: HOST });
  const receiver = new ActionUrlReceiver({ now: () => T0, identify: identifyByRegistration(registrar) });
  endpoint = http.createServer((req, res) => {
    const answer = receiver.handle(req.method ?? '', req.url ?? '', undefined, req.socket.remoteAddress ?? '');
    statuses.push(answer.status);
    if ('event' in answer) events.push(answer.event);
    res.writeHead(answer.status, { 'content-type': 'text/plain' }).end('error' in answer ? answer.error.code : '');
  });
  await new Promise<void>((resolve) => endpoint.listen(0, HOST, resolve));
  base = `http://${HOST}:${(endpoint.address() as AddressInfo).port}/v1/action-url`;
  phone = createVirtualPhoneWeb({
    actionUrlTimeoutMs: 2000,
    settings: {
      user_name1: '6000',
      user_host1: DOMAIN,
      action_dnd_on_url: `${base}/dnd_on?local=$local&ip=$phone_ip&calls=$nr_ongoing_calls`,
      action_dnd_off_url: `${base}/action_dnd_off_url?user=$active_user`,
      action_missed_url: `${base}/bogus?x=1`,
    },
  });
  const { port } = await phone.listen({ host: HOST, port: 0 });
  client = new PhoneClient({ connectTimeoutMs: 1000, timeoutMs: 3000 });
  service = new CommandService({ client, locations: new CombinedLocationSource({ registered: [new RegistrarLocationSource({ registrar, webPort: port })] }) });
});

after(async () => {
  await client.close();
  await phone.close();
  endpoint.closeAllConnections();
  await new Promise<void>((resolve) => endpoint.close(() => resolve()));
  await registrar.close();
});

async function nextEvents(n: number): Promise<ActionUrlEvent[]> {
  const end = Date.now() + 3000;
  while (events.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return events.splice(0, n);
}

test('snom_command presses DND; the phone’s Action URLs arrive as typed dnd-on / dnd-off events', async () => {
  assert.equal((await service.run('snom_command */6000 key DND')).reply, '+OK */6000 key DND');
  assert.deepEqual(await nextEvents(1), [{
    event: 'dnd-on',
    phone: { remoteAddress: HOST, user: '6000', domain: DOMAIN },
    variables: { local: `6000@${DOMAIN}`, ip: HOST, calls: '0' },
    at: T0,
  }]);
  assert.equal(phone.state.dnd, true);
  assert.equal((await service.run('snom_command */6000 key dnd')).reply, '+OK */6000 key dnd');
  assert.deepEqual(await nextEvents(1), [{ event: 'dnd-off', phone: { remoteAddress: HOST, user: '6000', domain: DOMAIN }, variables: { user: '6000' }, at: T0 }]);
  assert.deepEqual(statuses.splice(0), [200, 200]);
});

test('an Action URL naming an unknown event is answered 404 and recorded so by the phone', async () => {
  const record = await phone.fireActionUrl('missed');
  assert.equal(record?.status, 404);
  assert.deepEqual(statuses.splice(0), [404]);
  assert.deepEqual(events, []);
});
