/**
 * ApiVersions (key 18), v0-4. Answers with every API this broker serves and the range it
 * advertises, derived from the handler registry so the two cannot drift. An unknown version gets
 * a v0 reply with UNSUPPORTED_VERSION (the dispatcher does that). v3+ requests carry the client's
 * software name and version, which Kafka validates (INVALID_REQUEST when they do not match its
 * pattern; librdkafka then retries with v0).
 *
 * Features (v3+): no supported or finalized features yet; in particular `transaction.version` is
 * not finalized, so clients keep the pre-KIP-890-part-2 transaction protocol.
 */
import { apiVersionsRequest, apiVersionsResponse, ErrorCode } from '../protocol/index.ts';
import { advertisedApiKeys } from './registry.ts';
import { defineHandler } from './types.ts';

/** Kafka's ApiVersionsRequest SOFTWARE_NAME_VERSION_PATTERN. */
const SOFTWARE_NAME_OR_VERSION = /^[a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])?$/;

export const apiVersionsHandler = defineHandler({
  name: 'ApiVersions',
  request: apiVersionsRequest,
  response: apiVersionsResponse,
  advertised: { min: 0, max: 4 },
  handle(request, context) {
    const valid =
      context.header.apiVersion < 3 ||
      (SOFTWARE_NAME_OR_VERSION.test(request.clientSoftwareName) && SOFTWARE_NAME_OR_VERSION.test(request.clientSoftwareVersion));
    return {
      errorCode: valid ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST,
      apiKeys: advertisedApiKeys(),
      throttleTimeMs: 0,
    };
  },
});
