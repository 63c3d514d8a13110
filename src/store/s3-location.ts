import { assertBlobKey } from './blob-store.js';

/** Where an S3 blob store keeps its blobs, read from a `SQUISH_STORAGE=s3://...` URL. */
export interface S3Location {
  bucket: string;
  /** A key prefix inside the bucket (`tenant-a/`), or '' for the bucket's root. Ends with `/`. */
  prefix: string;
  /** The S3 API's base URL (Ceph radosgw, MinIO, ...); undefined for AWS itself. */
  endpoint?: string;
  /**
   * The base URL clients reach the same S3 API by, for presigned download URLs, when the nodes
   * use an internal address (`http://10.0.0.5:7480` inside, `https://s3.example.com` outside).
   * Defaults to `endpoint`.
   */
  publicEndpoint?: string;
  region: string;
  /** `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key`. */
  forcePathStyle: boolean;
}

const QUERY_KEYS = new Set(['endpoint', 'publicEndpoint', 'region', 'forcePathStyle']);
const DEFAULT_REGION = 'us-east-1';

/**
 * Reads `s3://<bucket>[/<prefix>]?endpoint=<url>&region=<region>[&forcePathStyle=true|false]
 * [&publicEndpoint=<url>]`.
 * With an endpoint, path-style addressing is the default: self-hosted S3 servers (radosgw, MinIO)
 * are usually reached by an address or a name without per-bucket DNS. Unknown parameters are
 * refused, so that a misspelt one does not silently fall back to a default.
 * @throws Error naming what is wrong with the URL
 */
export function parseS3Location(raw: string): S3Location {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new Error(`SQUISH_STORAGE: ${JSON.stringify(raw)} is not a URL`, { cause: error });
  }
  if (url.protocol !== 's3:' || url.hostname === '') {
    throw new Error(`SQUISH_STORAGE: expected s3://<bucket>?endpoint=<url>, got ${JSON.stringify(raw)}`);
  }
  for (const key of url.searchParams.keys()) {
    if (!QUERY_KEYS.has(key)) {
      throw new Error(
        `SQUISH_STORAGE: unknown parameter ${JSON.stringify(key)} (known: ${[...QUERY_KEYS].join(', ')})`,
      );
    }
  }
  const endpoint = httpUrlParameter(url, 'endpoint');
  const publicEndpoint = httpUrlParameter(url, 'publicEndpoint');
  const pathStyle = url.searchParams.get('forcePathStyle');
  if (pathStyle !== null && pathStyle !== 'true' && pathStyle !== 'false') {
    throw new Error(`SQUISH_STORAGE: forcePathStyle must be true or false, got ${JSON.stringify(pathStyle)}`);
  }
  const prefixPath = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  if (prefixPath !== '') {
    try {
      assertBlobKey(prefixPath);
    } catch (error) {
      throw new Error(`SQUISH_STORAGE: invalid key prefix ${JSON.stringify(prefixPath)}`, { cause: error });
    }
  }
  return {
    bucket: decodeURIComponent(url.hostname),
    prefix: prefixPath === '' ? '' : `${prefixPath}/`,
    endpoint,
    publicEndpoint,
    region: url.searchParams.get('region') || DEFAULT_REGION,
    forcePathStyle: pathStyle === null ? endpoint !== undefined : pathStyle === 'true',
  };
}

function httpUrlParameter(url: URL, name: string): string | undefined {
  const value = url.searchParams.get(name) ?? undefined;
  if (value !== undefined && !/^https?:\/\/[^/]/.test(value)) {
    throw new Error(`SQUISH_STORAGE: ${name} must be an http(s) URL, got ${JSON.stringify(value)}`);
  }
  return value;
}
