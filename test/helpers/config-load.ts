// loadConfig wrappers shared by the configuration tests: a config that must load, one that must fail, a JSON file.
import assert from 'node:assert/strict';
import { loadConfig, type ConfigError, type LoadConfigInput, type SnomctlConfig } from '../../src/service/config/index.js';

/** The registrar domains the tests load with. */
export const DOMAINS = ['host.test'];

/** Loads a configuration that must be valid (fails the test with every error otherwise). */
export function load(input: LoadConfigInput): SnomctlConfig {
  const r = loadConfig({ defaultDomains: DOMAINS, ...input });
  if (!r.ok) assert.fail(r.error.map((e) => e.message).join('; '));
  return r.value;
}

/** Loads a configuration that must be invalid; its error messages. */
export function errors(input: LoadConfigInput): string[] {
  const r = loadConfig({ defaultDomains: DOMAINS, ...input });
  assert.equal(r.ok, false);
  return (r as { error: ConfigError[] }).error.map((e) => e.message);
}

/** A config file holding `json`, read through the injected readFile. */
export function file(json: unknown): Pick<LoadConfigInput, 'file' | 'readFile'> {
  return { file: '/etc/snomctl.json', readFile: () => JSON.stringify(json) };
}
