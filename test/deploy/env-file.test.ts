/**
 * deploy/squish.env documents every setting of src/config/settings.ts with its meaning and its
 * default, like the README's table: adding a setting without documenting it here fails.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SETTINGS, type SettingDescriptor } from '../../src/config/settings.js';
import { deployFile } from '../cluster/deploy-files.js';

/** The env file's comments show markdown's `code` as plain text. */
function plain(text: string): string {
  return text.replaceAll('`', '').replaceAll('\\|', '|').replace(/\s+/g, ' ').trim();
}

/** The comment block above each `VAR=` or `#VAR=` line, joined into one line, by variable. */
function documentedVariables(text: string): Map<string, { comment: string; value: string | undefined }> {
  const found = new Map<string, { comment: string; value: string | undefined }>();
  let comment: string[] = [];
  for (const line of text.split('\n')) {
    const assignment = /^(#?)([A-Z][A-Z0-9_]*)=(.*)$/.exec(line);
    if (assignment) {
      found.set(assignment[2]!, {
        comment: plain(comment.join(' ')),
        value: assignment[1] ? undefined : assignment[3],
      });
      comment = [];
    } else if (line.startsWith('#')) {
      comment.push(line.replace(/^#\s?/, ''));
    } else {
      comment = [];
    }
  }
  return found;
}

test('deploy/squish.env documents every setting with its meaning and default', () => {
  const documented = documentedVariables(deployFile('squish.env'));
  const missing: string[] = [];
  for (const setting of SETTINGS as readonly SettingDescriptor[]) {
    const entry = documented.get(setting.env);
    if (!entry) {
      missing.push(setting.env);
      continue;
    }
    assert.ok(
      entry.comment.includes(`${setting.env}: ${plain(setting.description)}`),
      `${setting.env}: the comment must give the meaning from settings.ts: ${plain(setting.description)}`,
    );
    assert.ok(
      entry.comment.includes(`Default: ${plain(setting.defaultText)}`),
      `${setting.env}: the comment must give the default from settings.ts: ${plain(setting.defaultText)}`,
    );
  }
  assert.deepEqual(missing, [], 'settings missing from deploy/squish.env');
});

test('deploy/squish.env sets only known variables, each to a value its setting accepts', () => {
  const settings = new Map(
    (SETTINGS as readonly SettingDescriptor[]).map((setting) => [setting.env, setting]),
  );
  for (const [name, { value }] of documentedVariables(deployFile('squish.env'))) {
    if (name.startsWith('AWS_')) continue;
    const setting = settings.get(name);
    assert.ok(setting, `${name} is not a setting of src/config/settings.ts`);
    if (value !== undefined) assert.doesNotThrow(() => setting.parse(value), `${name}=${value} is refused`);
  }
});

test('the env-file check catches a missing setting', () => {
  const text = deployFile('squish.env').replace(/^#?SQUISH_WAIT_TIMEOUT=.*$/m, '');
  assert.equal(documentedVariables(text).has('SQUISH_WAIT_TIMEOUT'), false);
});
