// One call to get the virtual phone's state, its Action URL client and its web server wired together.
import { ActionUrlClient, type FireOptions } from '../action-url-client.js';
import type { ActionUrlEvent, ActionUrlVariables } from '../action-urls.js';
import { PhoneState, type PhoneStateOptions } from '../phone-state.js';
import type { ActionUrlRecord } from '../phone-state-types.js';
import { PhoneWebServer, type PhoneWebAddress, type PhoneWebServerOptions } from './phone-web-server.js';

/** Options of createVirtualPhoneWeb. */
export interface VirtualPhoneWebOptions extends Omit<PhoneWebServerOptions, 'state'>, PhoneStateOptions {
  /** Use this state instead of making one from the PhoneStateOptions (which are then ignored). */
  readonly state?: PhoneState;
  /** Action URL request timeout; default 3000 ms. */
  readonly actionUrlTimeoutMs?: number;
}

/** A virtual phone's web side: state, Action URL client and web server, closed together. */
export interface VirtualPhoneWeb {
  readonly state: PhoneState;
  readonly actionUrls: ActionUrlClient;
  readonly web: PhoneWebServer;
  listen(options?: { host?: string; port?: number }): Promise<PhoneWebAddress>;
  /** Fires `event`'s Action URL now (ActionUrlClient.fire); for events the SIP side sees. */
  fireActionUrl(event: ActionUrlEvent, vars?: ActionUrlVariables, options?: FireOptions): Promise<ActionUrlRecord | undefined>;
  /** Closes the web server, aborts Action URLs in flight and stops key sequences. */
  close(): Promise<void>;
}

/** Creates a PhoneState (or takes `options.state`), an ActionUrlClient on it and a PhoneWebServer for it. */
export function createVirtualPhoneWeb(options: VirtualPhoneWebOptions = {}): VirtualPhoneWeb {
  const { auth, https, protectSimulatorPages, heartbeatMs, actionUrlTimeoutMs, state: given, ...stateOptions } = options;
  const state = given ?? new PhoneState(stateOptions);
  const actionUrls = new ActionUrlClient({ state, ...(actionUrlTimeoutMs === undefined ? {} : { timeoutMs: actionUrlTimeoutMs }) });
  let web: PhoneWebServer;
  try {
    web = new PhoneWebServer({ state, auth, https, protectSimulatorPages, heartbeatMs });
  } catch (error) {
    actionUrls.close();
    throw error;
  }
  return {
    state,
    actionUrls,
    web,
    listen: (listenOptions) => web.listen(listenOptions),
    fireActionUrl: (event, vars, fireOptions) => actionUrls.fire(event, vars, fireOptions),
    close: async () => {
      actionUrls.close();
      state.close();
      await web.close();
    },
  };
}
