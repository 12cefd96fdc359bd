/**
 * What a handler is: one Kafka API, the versions fjord advertises for it, and a function from a
 * decoded request to a response value. Kafka errors are values in the response (per topic,
 * partition or resource), never exceptions; a thrown error means a broken request or a bug, and
 * the dispatcher closes that connection.
 */
import type { BrokerServices } from '../broker/services.ts';
import type { ConnectionInfo } from '../net/index.ts';
import type { InputOf, MessageSchema, RequestHeader, ValueOf } from '../protocol/index.ts';

export interface RequestContext {
  readonly header: RequestHeader;
  readonly connection: ConnectionInfo;
  readonly broker: BrokerServices;
}

export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

export interface Handler<Req extends MessageSchema = MessageSchema, Res extends MessageSchema = MessageSchema> {
  readonly name: string;
  readonly request: Req;
  readonly response: Res;
  /** The range ApiVersions advertises (Apache Kafka 4.1's, capped where a feature is missing). */
  readonly advertised: VersionRange;
  /** Encode the response as parts, so that `records` fields go out as file regions. */
  readonly responseAsParts?: boolean;
  /** The reply, or null for none (Produce with acks=0). */
  handle(request: ValueOf<Req>, context: RequestContext): InputOf<Res> | null | Promise<InputOf<Res> | null>;
}

/** Declares a handler with its request and response types inferred from the schemas. */
export function defineHandler<Req extends MessageSchema, Res extends MessageSchema>(handler: Handler<Req, Res>): Handler {
  return handler as unknown as Handler;
}
