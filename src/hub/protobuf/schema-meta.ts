/**
 * k8s.io/apimachinery meta/v1 messages (pkg/apis/meta/v1/generated.proto). Time, MicroTime,
 * FieldsV1, Quantity, IntOrString and RawExtension are specials (see schema.ts), not tables.
 */
import type { MessageTable } from './schema.js';

export const metaMessages: MessageTable = {
  ObjectMeta: {
    1: 'name string',
    2: 'generateName string',
    3: 'namespace string',
    4: 'selfLink string',
    5: 'uid string',
    6: 'resourceVersion string',
    7: 'generation int64',
    8: 'creationTimestamp Time',
    9: 'deletionTimestamp Time',
    10: 'deletionGracePeriodSeconds int64 keep',
    11: 'labels map<string>',
    12: 'annotations map<string>',
    13: 'ownerReferences []OwnerReference',
    14: 'finalizers []string',
    17: 'managedFields []ManagedFieldsEntry',
  },
  OwnerReference: {
    1: 'kind string keep',
    3: 'name string keep',
    4: 'uid string keep',
    5: 'apiVersion string keep',
    6: 'controller bool keep',
    7: 'blockOwnerDeletion bool keep',
  },
  ManagedFieldsEntry: {
    1: 'manager string',
    2: 'operation string',
    3: 'apiVersion string',
    4: 'time Time',
    6: 'fieldsType string',
    7: 'fieldsV1 FieldsV1',
    8: 'subresource string',
  },
  ListMeta: {
    1: 'selfLink string',
    2: 'resourceVersion string',
    3: 'continue string',
    4: 'remainingItemCount int64 keep',
  },
  LabelSelector: {
    1: 'matchLabels map<string>',
    2: 'matchExpressions []LabelSelectorRequirement',
  },
  LabelSelectorRequirement: {
    1: 'key string keep',
    2: 'operator string keep',
    3: 'values []string',
  },
  FieldSelectorRequirement: {
    1: 'key string keep',
    2: 'operator string keep',
    3: 'values []string',
  },
  DeleteOptions: {
    1: 'gracePeriodSeconds int64 keep',
    2: 'preconditions Preconditions',
    3: 'orphanDependents bool keep',
    4: 'propagationPolicy string keep',
    5: 'dryRun []string',
    6: 'ignoreStoreReadErrorWithClusterBreakingPotential bool keep',
  },
  Preconditions: {
    1: 'uid string keep',
    2: 'resourceVersion string keep',
  },
  Condition: {
    1: 'type string keep',
    2: 'status string keep',
    3: 'observedGeneration int64',
    4: 'lastTransitionTime Time',
    5: 'reason string keep',
    6: 'message string keep',
  },
};
