export { isPublicAddress } from './address-check.js';
export { closeOutboundAgents } from './agents.js';
export { checkUrlSyntax } from './check-url.js';
export { type FetchedImage, fetchImage } from './fetch-image.js';
export { fileNameFromUrl, safeFileName } from './file-name.js';
export { DEFAULT_MAX_REDIRECTS, DEFAULT_USER_AGENT, type OutboundPolicy } from './outbound-policy.js';
export { postJson } from './post-json.js';
