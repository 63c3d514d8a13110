/**
 * `squish doctor`: prints which codecs and tools the engine finds here, what each is for, what is
 * degraded without it, and how to install what is missing. The knowledge lives in
 * engine/capabilities.ts; this file only prints it.
 */
import { aptInstallCommand, type Capability, detectCapabilities } from '../engine/capabilities.js';

/** How to restore missing npm components: they ship with Squish, so a clean reinstall brings them back. */
const NPM_REINSTALL = 'npm ci';

export interface DoctorOptions {
  json: boolean;
}

function describe(capability: Capability): string {
  const status = capability.present ? 'ok' : capability.required ? 'MISSING' : 'missing';
  const origin = capability.aptPackage
    ? `Debian package ${capability.aptPackage}`
    : `npm package ${capability.npmPackage}${capability.source === 'wasm' ? ' (WASM)' : ''}`;
  return [
    `${capability.name.padEnd(14)} ${status.padEnd(8)} ${capability.version ?? '-'}   [${origin}]`,
    `  used for:   ${capability.usedFor}`,
    `  without it: ${capability.degradedWithout}`,
  ].join('\n');
}

/** Runs `squish doctor`; returns 0 when everything is present, 1 when something is missing. */
export async function runDoctor(options: DoctorOptions, stdout: NodeJS.WritableStream): Promise<number> {
  const capabilities = await detectCapabilities();
  const missing = capabilities.filter((capability) => !capability.present);
  const apt = aptInstallCommand(capabilities) ?? null;
  const npm = missing.some((capability) => capability.npmPackage) ? NPM_REINSTALL : null;
  if (options.json) {
    stdout.write(`${JSON.stringify({ ok: missing.length === 0, capabilities, install: { apt, npm } })}\n`);
  } else {
    const lines = capabilities.map(describe);
    if (missing.length === 0) {
      lines.push(`All ${capabilities.length} components are present.`);
    } else {
      lines.push(`Missing: ${missing.map((capability) => capability.name).join(', ')}.`);
      if (apt) lines.push(`Install the Debian tools with:\n  ${apt}`);
      if (npm) lines.push(`Restore the npm components with:\n  ${npm}`);
    }
    stdout.write(`${lines.join('\n')}\n`);
  }
  return missing.length === 0 ? 0 : 1;
}
