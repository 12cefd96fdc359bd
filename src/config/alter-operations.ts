// The part of IncrementalAlterConfigs that is the same for every resource type: Kafka's request
// checks (duplicate names, null values, unknown operations) and SET / DELETE. APPEND and SUBTRACT
// depend on the resource's config definitions, so the caller applies them.

import { ErrorCode } from '../protocol/error-codes.ts';
import { AlterConfigOperation, type ConfigError } from './types.ts';

export interface AlterConfigOperationInput {
  name: string;
  /** IncrementalAlterConfigs config_operation: SET 0, DELETE 1, APPEND 2, SUBTRACT 3. */
  configOperation: number;
  value: string | null;
}

const invalidRequest = (errorMessage: string): ConfigError => ({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage });

/**
 * Applies `operations` to a copy of `current`. `applyList` handles APPEND and SUBTRACT on the
 * copy (returning an error to stop). Returns the new configs, or the first error.
 */
export function applyAlterOperations(
  current: ReadonlyMap<string, string>,
  operations: readonly AlterConfigOperationInput[],
  applyList: (configs: Map<string, string>, operation: AlterConfigOperationInput & { value: string }) => ConfigError | null,
): { error: ConfigError; configs?: undefined } | { error: null; configs: Map<string, string> } {
  const names = operations.map((operation) => operation.name);
  if (new Set(names).size !== names.length) return { error: invalidRequest('Error due to duplicate config keys') };
  const nulls = operations.filter((operation) => operation.configOperation !== AlterConfigOperation.DELETE && operation.value === null);
  if (nulls.length > 0) {
    return { error: invalidRequest(`Null value not supported for : ${nulls.map((operation) => operation.name).join(', ')}`) };
  }
  const configs = new Map(current);
  for (const operation of operations) {
    switch (operation.configOperation) {
      case AlterConfigOperation.SET:
        configs.set(operation.name, operation.value as string);
        break;
      case AlterConfigOperation.DELETE:
        configs.delete(operation.name);
        break;
      case AlterConfigOperation.APPEND:
      case AlterConfigOperation.SUBTRACT: {
        const error = applyList(configs, { ...operation, value: operation.value as string });
        if (error !== null) return { error };
        break;
      }
      default:
        return { error: invalidRequest(`Unknown operations type ${operation.configOperation}`) };
    }
  }
  return { error: null, configs };
}
