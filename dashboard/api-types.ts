// The REST API's answers as the dashboard reads them (docs: the REST contract; src/api/routes-*.ts).
import type { Light } from '../src/snom/lights.js';

/** One registered contact of a phone (GET /v1/phones). */
export interface ContactView {
  readonly uri: string;
  readonly source: { readonly transport: string; readonly address: string; readonly port: number };
  readonly userAgent?: string;
  /** ms since the epoch. */
  readonly expiresAt: number;
}

/** A DeliveryRecord (store): where a key version stands on one contact. */
export interface DeliveryRecordView {
  readonly profile: string;
  readonly user: string;
  readonly host: string;
  readonly key: string;
  readonly contact: string;
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly version: number;
  readonly at: number;
  readonly reason?: string;
}

/** A profile a phone belongs to, with how it delivers keys (GET /v1/phones `profiles`). */
export interface PhoneProfileView {
  readonly name: string;
  readonly route: 'embedded' | 'proxy' | 'freeswitch';
  /** Desired keys stored for the phone under the profile. */
  readonly keys: number;
}

/** One phone of GET /v1/phones. */
export interface PhoneView {
  readonly user: string;
  readonly host: string;
  readonly profile?: string;
  /** Absent from services older than the route kinds. */
  readonly profiles?: readonly PhoneProfileView[];
  readonly contacts: readonly ContactView[];
  readonly inventory?: { readonly webAddress: string; readonly scheme: string; readonly username?: string; readonly hasPassword: boolean };
  readonly lastDelivery?: DeliveryRecordView;
}

/** A KeyState (src/snom/key-state.ts) as JSON. */
export interface KeyStateView {
  readonly key: string;
  readonly light?: Light;
  readonly label?: string;
  readonly action?: 'invite' | 'message';
  readonly number?: string;
  readonly colour?: string;
  readonly [field: string]: unknown;
}

/** One KeyStatus of GET /v1/phones/:aor/keys: the desired state and its delivery per contact. */
export interface KeyStatusView {
  readonly desired: { readonly key: string; readonly version: number; readonly state: KeyStateView; readonly updatedAt: number };
  readonly deliveries: readonly (DeliveryRecordView & { readonly current: boolean })[];
}

/** The SSE `registered`/`refreshed`/`restarted`/`unregistered`/`expired` payload. */
export interface RegistrationEventView {
  readonly type: string;
  readonly user: string;
  readonly domain: string;
  readonly contact: string;
  readonly transport: string;
  readonly address: string;
  readonly port: number;
  readonly expiresAt: number;
  readonly userAgent?: string | null;
  readonly at: number;
}

/** The SSE `delivery` payload. */
export interface DeliveryEventView {
  readonly status: 'delivered' | 'retrying' | 'failed' | 'superseded' | 'closed';
  readonly user: string;
  readonly host: string;
  readonly contact: string;
  readonly destination?: string;
  readonly keys: readonly { readonly profile: string; readonly key: string; readonly version: number }[];
  readonly attempt: number;
  readonly sipStatus?: number;
  readonly reason?: string;
  readonly error?: string;
  readonly at: number;
}

/** The SSE `keys` payload. */
export interface KeysEventView {
  readonly profile: string;
  readonly user: string;
  readonly host: string;
  readonly keys: readonly { readonly key: string; readonly version: number; readonly state: KeyStateView }[];
  readonly at: number;
}

/** The error envelope of every failed call. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string };
}
