export { ConfigError, loadConfig } from './load-config.js';
export { packageVersion } from './package-version.js';
export { ROLES, type Role, SETTINGS, type ServeConfig } from './settings.js';
export { renderSettingsTable } from './settings-table.js';
