import { SETTINGS, type SettingDescriptor } from './settings.js';

/** The README's configuration table, made from SETTINGS (a test checks the README holds exactly this). */
export function renderSettingsTable(): string {
  const rows = (SETTINGS as readonly SettingDescriptor[]).map((setting) => {
    const flag = setting.flag ? `\`--${setting.flag}\`` : '';
    return `| \`${setting.env}\` | ${flag} | ${setting.defaultText} | ${setting.description} |`;
  });
  return ['| variable | flag | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}
