/**
 * DescribeCluster (key 60), v0-2 (Kafka 4.1's range). Admin clients (Java describeCluster,
 * @platformatic/kafka) learn the cluster id, the brokers and the controller from it.
 *
 * - endpointType 1 (brokers; v0 always): this node, at the advertised endpoint of the listener
 *   the request came in on, never fenced; controllerId is this node (Kafka's brokers name a live
 *   broker there, since clients cannot reach the KRaft controller).
 * - endpointType 2 (controllers): this node is a combined broker and controller, but its client
 *   listener is a broker endpoint, so Kafka's answer applies: MISMATCHED_ENDPOINT_TYPE "The
 *   request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER"
 *   (INVALID_REQUEST in v0). Any other type: UNSUPPORTED_ENDPOINT_TYPE "Unsupported endpoint
 *   type N" (INVALID_REQUEST in v0). Refusals carry no cluster id and no brokers, as Kafka's.
 * - clusterAuthorizedOperations when asked: every cluster operation (no authorizer).
 */
import { describeClusterRequest, describeClusterResponse, ErrorCode } from '../protocol/index.ts';
import { AUTHORIZED_OPERATIONS_OMITTED, CLUSTER_OPERATIONS } from './topic-operations.ts';
import { defineHandler } from './types.ts';

const ENDPOINT_TYPE_BROKER = 1;
const ENDPOINT_TYPE_CONTROLLER = 2;

export const describeClusterHandler = defineHandler({
  name: 'DescribeCluster',
  request: describeClusterRequest,
  response: describeClusterResponse,
  advertised: { min: 0, max: 2 },
  handle(request, context) {
    const version = context.header.apiVersion;
    const { metadata, config } = context.broker;
    const endpointType = request.endpointType;
    if (endpointType !== ENDPOINT_TYPE_BROKER) {
      const known = endpointType === ENDPOINT_TYPE_CONTROLLER;
      const errorCode = version === 0 ? ErrorCode.INVALID_REQUEST : known ? ErrorCode.MISMATCHED_ENDPOINT_TYPE : ErrorCode.UNSUPPORTED_ENDPOINT_TYPE;
      const errorMessage = known
        ? 'The request was sent to an endpoint of type BROKER, but we wanted an endpoint of type CONTROLLER'
        : `Unsupported endpoint type ${endpointType}`;
      return { throttleTimeMs: 0, errorCode, errorMessage, clusterId: '', controllerId: -1, brokers: [] };
    }
    const endpoint = context.broker.endpointFor(context.connection.listenerName);
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: ENDPOINT_TYPE_BROKER,
      clusterId: metadata.clusterId,
      controllerId: metadata.nodeId,
      brokers: [{ brokerId: metadata.nodeId, host: endpoint.host, port: endpoint.port, rack: config.brokerRack, isFenced: false }],
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations ? CLUSTER_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED,
    };
  },
});
