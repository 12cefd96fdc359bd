/** The network server: listeners, connections, framing, ordering, backpressure, limits. See README.md. */
export { DEFAULT_CLOSE_TIMEOUT_MS, DEFAULT_LISTENER_NAME, FJORD_NETWORK_DEFAULTS, KAFKA_NETWORK_DEFAULTS, Server } from './server.ts';
export { fileRegionOf } from './file-region.ts';
export type { SegmentRead } from './file-region.ts';
export type { ConnectionInfo, FileRegion, FrameHandler, LogLevel, Logger, ResponseParts, ServerOptions } from './types.ts';
