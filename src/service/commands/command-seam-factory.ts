// Wires CommandService into createService's `commands` option (src/service/command-seam.ts).
import { PhoneClient, type PhoneClientOptions } from '../../phone/phone-client.js';
import type { CommandSeam, CommandSeamFactory } from '../command-seam.js';
import { CombinedLocationSource } from './combined-locations.js';
import { CommandService, type CommandLogger, type CommandServiceOptions, type DirectWebOptions } from './command-service.js';
import { FreeswitchLocationSource, type FreeswitchLookup } from './freeswitch-locations.js';
import { InventoryLocationSource } from './inventory-locations.js';
import type { LocationSource } from './phone-location.js';
import { RegistrarLocationSource, type ProfileRoute } from './registrar-locations.js';

/** A line that starts with one of mod_snom's API names. */
const API_LINE = /^[\t\n\v\r ]*snom_(?:command|bind_key|url)(?:[\t\n\v\r ]|$)/i;

/** Options of commandSeamFactory. */
export interface CommandSeamOptions {
  /** A shared client (not closed by the seam); default one made from clientOptions and closed with the seam. */
  readonly client?: PhoneClient;
  readonly clientOptions?: PhoneClientOptions;
  /**
   * Profile → route. Default: every profile of the service counts as `embedded` (the seam's context
   * names profiles without their routes; the registrar only holds phones that registered with it).
   */
  readonly profiles?: Readonly<Record<string, ProfileRoute>>;
  /** The web server of registered phones and of IP/host targets: scheme, port, TLS choice. */
  readonly web?: DirectWebOptions;
  /** More sources of registered phones, asked with the registrar. */
  readonly registered?: readonly LocationSource[];
  /**
   * Phones registered to FreeSWITCH (`sofia_contact` + the core table, as mod_snom): the lookup (a
   * FreeswitchAdapter) and the profiles routed `freeswitch` with their sofia profiles. Asked with the
   * registrar; `*\/user` searches both.
   */
  readonly freeswitch?: { readonly lookup: FreeswitchLookup; readonly profiles: Readonly<Record<string, string>>; readonly timeoutMs?: number };
  readonly concurrency?: CommandServiceOptions['concurrency'];
  readonly maxPhonesPerTarget?: CommandServiceOptions['maxPhonesPerTarget'];
  readonly logger?: CommandLogger;
}

/** The seam, with the CommandService behind it (for REST/CLI: typed operations, bulk). */
export interface CommandSeamWithService extends CommandSeam {
  readonly service: CommandService;
}

/**
 * A CommandSeamFactory: phones are looked up in the registrar (network IP, `web` port and scheme), the
 * extra `registered` sources and the store's phone inventory (CombinedLocationSource's merge rule);
 * a bare `user` target is looked up in the service's first domain. `run` takes a whole line or the
 * argument string alone. Replies carry the full SnomCommandOutcome as `result`.
 */
export function commandSeamFactory(options: CommandSeamOptions = {}): CommandSeamFactory {
  return (context): CommandSeamWithService => {
    const web = options.web ?? {};
    const profiles = options.profiles ?? Object.fromEntries(context.profiles.map((name) => [name, 'embedded' as const]));
    const registrar = new RegistrarLocationSource({
      registrar: context.registrar,
      profiles,
      ...(web.scheme === undefined ? {} : { webScheme: web.scheme }),
      ...(web.port === undefined ? {} : { webPort: web.port }),
      ...(web.insecureTls === undefined ? {} : { insecureTls: web.insecureTls }),
    });
    const fs = options.freeswitch === undefined ? [] : [new FreeswitchLocationSource({
      lookup: options.freeswitch.lookup,
      profiles: options.freeswitch.profiles,
      ...(options.freeswitch.timeoutMs === undefined ? {} : { timeoutMs: options.freeswitch.timeoutMs }),
      ...(web.scheme === undefined ? {} : { webScheme: web.scheme }),
      ...(web.port === undefined ? {} : { webPort: web.port }),
      ...(web.insecureTls === undefined ? {} : { insecureTls: web.insecureTls }),
    })];
    const locations = new CombinedLocationSource({
      registered: [registrar, ...fs, ...(options.registered ?? [])],
      inventory: new InventoryLocationSource({ phones: context.store.phones }),
    });
    const client = options.client ?? new PhoneClient(options.clientOptions);
    const service = new CommandService({
      client,
      locations,
      direct: web,
      ...(context.domains[0] === undefined ? {} : { defaultDomain: context.domains[0] }),
      ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
      ...(options.maxPhonesPerTarget === undefined ? {} : { maxPhonesPerTarget: options.maxPhonesPerTarget }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    return {
      service,
      execute: async (request, o) => {
        const result = await service.execute(request, o);
        return { reply: result.reply, result };
      },
      run: async (line, o) => {
        // The seam's contract: the whole line, or snom_command's argument string alone.
        const full = typeof line === 'string' && !API_LINE.test(line) ? `snom_command ${line}` : line;
        const result = await service.run(full, o);
        return { reply: result.reply, result };
      },
      close: () => (options.client === undefined ? client.close() : Promise.resolve()),
    };
  };
}
