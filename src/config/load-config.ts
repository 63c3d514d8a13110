import { SETTINGS, type ServeConfig, type SettingDescriptor } from './settings.js';

/** A start refused because of its settings; the message lists every wrong one. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Reads the settings: a command-line flag wins over its environment variable, which wins over
 * the default. Collects every problem before failing, then freezes the result.
 * @param flags flag values keyed by flag name (as commander gives them, strings), absent when not given
 */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  flags: Record<string, string | undefined> = {},
): Readonly<ServeConfig> {
  const config: Partial<ServeConfig> = {};
  const problems: string[] = [];
  for (const descriptor of SETTINGS as readonly SettingDescriptor[]) {
    const fromFlag = descriptor.flag ? flags[descriptor.flag] : undefined;
    const raw = fromFlag ?? env[descriptor.env];
    const source = fromFlag !== undefined ? `--${descriptor.flag}` : descriptor.env;
    let value: unknown;
    if (raw === undefined) {
      value = typeof descriptor.fallback === 'function' ? descriptor.fallback(config) : descriptor.fallback;
    } else {
      try {
        value = descriptor.parse(raw);
      } catch (error) {
        problems.push(`${source}: ${(error as Error).message}`);
        continue;
      }
    }
    (config as Record<string, unknown>)[descriptor.key] = value;
  }
  if (
    config.uploadMemoryBytes !== undefined &&
    config.maxUploadBytes !== undefined &&
    config.uploadMemoryBytes < config.maxUploadBytes
  ) {
    // No upload at the limit could ever be held.
    problems.push(
      `SQUISH_UPLOAD_MEMORY_BYTES: must be at least SQUISH_MAX_UPLOAD_BYTES (${config.maxUploadBytes}), got ${config.uploadMemoryBytes}`,
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config as ServeConfig);
}
