// Typed errors of the protocol layer. The network layer closes the connection on a
// ProtocolDecodeError (or, for an ApiVersions request of an unknown version, answers in v0 format).

export type DecodeErrorReason =
  | 'truncated' // a read needs more bytes than the frame has left
  | 'invalid-length' // a negative (non-null) or oversized length, or a varint that is too long
  | 'unexpected-null' // null where the schema does not allow it
  | 'invalid-tagged-field' // a tagged field whose size disagrees with its content
  | 'unknown-api' // no schema for this API key
  | 'unsupported-version'; // no schema for this version of the API

export class ProtocolDecodeError extends Error {
  readonly reason: DecodeErrorReason;

  constructor(reason: DecodeErrorReason, message: string) {
    super(message);
    this.name = 'ProtocolDecodeError';
    this.reason = reason;
  }
}

/** A value that cannot be encoded: a programmer error in whoever built the value. */
export class ProtocolEncodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolEncodeError';
  }
}
