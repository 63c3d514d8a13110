/** The composition root of `squish serve`: wires the backends and starts the roles. */
export { type App, type AppOverrides, createApp, outboundPolicy } from './create-app.js';
export { PlatformJobService, type PlatformJobServiceDeps } from './platform-job-service.js';
