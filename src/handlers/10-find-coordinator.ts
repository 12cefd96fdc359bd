/**
 * FindCoordinator (key 10), v0-6 (Kafka 4.1's range; librdkafka 2.0's group feature check needs
 * v0). This node coordinates every group: a GROUP key (type 0) creates `__consumer_offsets` on
 * first use, as Kafka does, and answers with this node's endpoint for the listener the request
 * came in on. v4+ carries a batch of keys, answered one by one.
 *
 * TRANSACTION keys (type 1) are answered the same way: this node coordinates every
 * transactional id, and `__transaction_state` is created on first use. Other key types
 * (2, share groups) get INVALID_REQUEST, Kafka's answer to a type it does not serve.
 */
import { ErrorCode, findCoordinatorRequest, findCoordinatorResponse } from '../protocol/index.ts';
import { defineHandler, type RequestContext } from './types.ts';

const GROUP_KEY_TYPE = 0;
const TRANSACTION_KEY_TYPE = 1;

interface Found {
  key: string;
  nodeId: number;
  host: string;
  port: number;
  errorCode: number;
  errorMessage: string | null;
}

async function find(key: string, keyType: number, context: RequestContext): Promise<Found> {
  const failed = (errorCode: number, errorMessage: string): Found => ({ key, nodeId: -1, host: '', port: -1, errorCode, errorMessage });
  if (keyType !== GROUP_KEY_TYPE && keyType !== TRANSACTION_KEY_TYPE) return failed(ErrorCode.INVALID_REQUEST, `Unsupported coordinator key type ${keyType}.`);
  const internalTopic = keyType === GROUP_KEY_TYPE ? context.broker.groups.offsetsTopic : context.broker.txns.stateTopic;
  const created = await internalTopic.ensureTopic();
  if (created !== ErrorCode.NONE) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'The coordinator is not available.');
  const endpoint = context.broker.endpointFor(context.connection.listenerName);
  return { key, nodeId: context.broker.metadata.nodeId, host: endpoint.host, port: endpoint.port, errorCode: ErrorCode.NONE, errorMessage: null };
}

export const findCoordinatorHandler = defineHandler({
  name: 'FindCoordinator',
  request: findCoordinatorRequest,
  response: findCoordinatorResponse,
  advertised: { min: 0, max: 6 },
  async handle(request, context) {
    if (context.header.apiVersion >= 4) {
      const coordinators: Found[] = [];
      for (const key of request.coordinatorKeys) coordinators.push(await find(key, request.keyType, context));
      return { throttleTimeMs: 0, coordinators };
    }
    const found = await find(request.key, request.keyType, context);
    return { throttleTimeMs: 0, errorCode: found.errorCode, errorMessage: found.errorMessage, nodeId: found.nodeId, host: found.host, port: found.port };
  },
});
