/**
 * apps/v1 Deployment, policy/v1 PodDisruptionBudget and Eviction, scheduling/v1 PriorityClass
 * (their generated.proto files).
 */
import type { MessageTable } from './schema.js';

export const appsMessages: MessageTable = {
  Deployment: { 1: 'metadata meta.ObjectMeta', 2: 'spec DeploymentSpec', 3: 'status DeploymentStatus' },
  DeploymentSpec: {
    1: 'replicas int32 keep',
    2: 'selector meta.LabelSelector',
    3: 'template core.PodTemplateSpec',
    4: 'strategy DeploymentStrategy',
    5: 'minReadySeconds int32',
    6: 'revisionHistoryLimit int32 keep',
    7: 'paused bool',
    9: 'progressDeadlineSeconds int32 keep',
  },
  DeploymentStrategy: { 1: 'type string', 2: 'rollingUpdate RollingUpdateDeployment' },
  RollingUpdateDeployment: { 1: 'maxUnavailable IntOrString', 2: 'maxSurge IntOrString' },
  DeploymentStatus: {
    1: 'observedGeneration int64',
    2: 'replicas int32',
    3: 'updatedReplicas int32',
    4: 'availableReplicas int32',
    5: 'unavailableReplicas int32',
    6: 'conditions []DeploymentCondition',
    7: 'readyReplicas int32',
    8: 'collisionCount int32 keep',
    9: 'terminatingReplicas int32 keep',
  },
  DeploymentCondition: {
    1: 'type string keep',
    2: 'status string keep',
    4: 'reason string',
    5: 'message string',
    6: 'lastUpdateTime Time',
    7: 'lastTransitionTime Time',
  },
};

export const policyMessages: MessageTable = {
  PodDisruptionBudget: {
    1: 'metadata meta.ObjectMeta',
    2: 'spec PodDisruptionBudgetSpec',
    3: 'status PodDisruptionBudgetStatus',
  },
  PodDisruptionBudgetSpec: {
    1: 'minAvailable IntOrString',
    2: 'selector meta.LabelSelector',
    3: 'maxUnavailable IntOrString',
    4: 'unhealthyPodEvictionPolicy string keep',
  },
  PodDisruptionBudgetStatus: {
    1: 'observedGeneration int64',
    2: 'disruptedPods map<Time>',
    3: 'disruptionsAllowed int32 keep',
    4: 'currentHealthy int32 keep',
    5: 'desiredHealthy int32 keep',
    6: 'expectedPods int32 keep',
    7: 'conditions []meta.Condition',
  },
  Eviction: { 1: 'metadata meta.ObjectMeta', 2: 'deleteOptions meta.DeleteOptions' },
};

export const schedulingMessages: MessageTable = {
  PriorityClass: {
    1: 'metadata meta.ObjectMeta',
    2: 'value int32 keep',
    3: 'globalDefault bool',
    4: 'description string',
    5: 'preemptionPolicy string keep',
  },
};
