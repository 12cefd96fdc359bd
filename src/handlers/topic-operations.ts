/**
 * Bits of Kafka's AclOperation for the `*AuthorizedOperations` fields. With no authorizer
 * configured, Kafka reports every operation a resource supports as allowed.
 */
const operationBit = (code: number) => 1 << code;
const READ = 3;
const WRITE = 4;
const CREATE = 5;
const DELETE = 6;
const ALTER = 7;
const DESCRIBE = 8;
const CLUSTER_ACTION = 9;
const DESCRIBE_CONFIGS = 10;
const ALTER_CONFIGS = 11;
const IDEMPOTENT_WRITE = 12;
const CREATE_TOKENS = 13;
const DESCRIBE_TOKENS = 14;

/** Kafka's "not requested" value. */
export const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;

export const TOPIC_OPERATIONS = [READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS, ALTER_CONFIGS].reduce(
  (bits, code) => bits | operationBit(code),
  0,
);

export const CLUSTER_OPERATIONS = [
  CREATE,
  ALTER,
  DESCRIBE,
  CLUSTER_ACTION,
  DESCRIBE_CONFIGS,
  ALTER_CONFIGS,
  IDEMPOTENT_WRITE,
  CREATE_TOKENS,
  DESCRIBE_TOKENS,
].reduce((bits, code) => bits | operationBit(code), 0);
