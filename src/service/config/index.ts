// Configuration of `snomctl serve` (and the CLI's `config check`): types, loading, validation.
export { CONFIG_DEFAULTS, ConfigError, LOG_LEVELS, type ConfigSource, type FreeswitchConfig, type ListenAddress, type LogLevel, type PhoneConfig, type ProfileConfig, type ProxyConfig, type SnomctlConfig, type UserConfig } from './config-types.js';
export { formatListen, isLoopback, parseHostPort, parseListen, parseUserSpec } from './config-values.js';
export { CONFIG_ENV, hostDomains, loadConfig, serviceOptionsFromConfig, storePath, type ConfigFlags, type LoadConfigInput } from './load-config.js';
export { validateConfig } from './validate-config.js';
export { inTrustedNetworks } from './trusted-networks.js';
