/**
 * BullMQ stores a job under `<prefix>:<queue>:<job id>`, beside the queue's own keys
 * (`<prefix>:<queue>:wait`, `:meta`, `:marker`, `:events`, ...): a job named `marker` would
 * overwrite one of them. It also refuses ids that are whole numbers and ids with a `:`. The queue
 * contract allows any non-empty string, so every id is written with a `#` in front (no BullMQ key
 * starts with one, and no whole number does) and with `%` and `:` percent-encoded. The escaping is
 * one-to-one, so two different ids never share a BullMQ id.
 */

/** The BullMQ job id for a queue id. */
export function toBullId(id: string): string {
  return `#${id.replaceAll('%', '%25').replaceAll(':', '%3A')}`;
}

/** The queue id of a BullMQ job id made by `toBullId`. */
export function fromBullId(bullId: string): string {
  const unprefixed = bullId.startsWith('#') ? bullId.slice(1) : bullId;
  return unprefixed.replace(/%(25|3A)/g, (sequence) => (sequence === '%25' ? '%' : ':'));
}
