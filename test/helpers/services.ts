/**
 * The real services a test needs (Redis, PostgreSQL, S3 on Ceph radosgw, GlusterFS, Chromium), found
 * through the SQUISH_TEST_* variables that `scripts/with-services.sh` sets. Without them a test
 * is skipped, saying which variable is missing; under `npm test` (SQUISH_TEST_REQUIRE_SERVICES=1)
 * a missing service is a failure, so that CI can never pass by skipping.
 */

/** The variables `scripts/with-services.sh` sets, by service. */
export const SERVICE_VARIABLES = {
  redis: 'SQUISH_TEST_REDIS_URL',
  sentinels: 'SQUISH_TEST_REDIS_SENTINELS',
  postgres: 'SQUISH_TEST_POSTGRES_URL',
  s3: 'SQUISH_TEST_S3_URL',
  /** A bucket of the same S3 server with a 16 KiB quota (scripts/services/ceph.sh). */
  s3Full: 'SQUISH_TEST_S3_FULL_URL',
  gluster: 'SQUISH_TEST_GLUSTER_DIR',
  /** Not a server: the path of Debian's Chromium, for the tests that look at SVG in a browser. */
  chromium: 'SQUISH_TEST_CHROMIUM',
} as const;

export type ServiceName = keyof typeof SERVICE_VARIABLES;

/**
 * The value of a service's variable, or undefined when the service is not there (and not required).
 * @throws when SQUISH_TEST_REQUIRE_SERVICES=1 and the variable is unset
 */
export function serviceValue(service: ServiceName): string | undefined {
  const variable = SERVICE_VARIABLES[service];
  const value = process.env[variable];
  if (value) return value;
  if (process.env.SQUISH_TEST_REQUIRE_SERVICES === '1') {
    throw new Error(
      `${variable} is not set, but SQUISH_TEST_REQUIRE_SERVICES=1: start the services with scripts/with-services.sh`,
    );
  }
  return undefined;
}

/** A `skip` option for node:test: false when the service is there, else the reason. */
export function skipWithout(service: ServiceName): string | false {
  return serviceValue(service) === undefined
    ? `${SERVICE_VARIABLES[service]} is not set (run under scripts/with-services.sh)`
    : false;
}
