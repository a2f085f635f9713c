/**
 * Who may do what: rbac.authorization.k8s.io/v1, authorization.k8s.io/v1 (access and rules
 * reviews) and authentication.k8s.io/v1 (TokenRequest, TokenReview, SelfSubjectReview).
 * ExtraValue is `repeated string items = 1` on the wire and a plain array in JSON: StringList.
 */
import type { MessageTable } from './schema.js';

export const rbacMessages: MessageTable = {
  Role: { 1: 'metadata meta.ObjectMeta', 2: 'rules []PolicyRule' },
  ClusterRole: {
    1: 'metadata meta.ObjectMeta',
    2: 'rules []PolicyRule',
    3: 'aggregationRule AggregationRule',
  },
  AggregationRule: { 1: 'clusterRoleSelectors []meta.LabelSelector' },
  PolicyRule: {
    1: 'verbs []string',
    2: 'apiGroups []string',
    3: 'resources []string',
    4: 'resourceNames []string',
    5: 'nonResourceURLs []string',
  },
  RoleBinding: { 1: 'metadata meta.ObjectMeta', 2: 'subjects []Subject', 3: 'roleRef RoleRef' },
  ClusterRoleBinding: { 1: 'metadata meta.ObjectMeta', 2: 'subjects []Subject', 3: 'roleRef RoleRef' },
  RoleRef: { 1: 'apiGroup string keep', 2: 'kind string keep', 3: 'name string keep' },
  Subject: { 1: 'kind string keep', 2: 'apiGroup string', 3: 'name string keep', 4: 'namespace string' },
};

export const authorizationMessages: MessageTable = {
  SelfSubjectAccessReview: {
    1: 'metadata meta.ObjectMeta',
    2: 'spec SelfSubjectAccessReviewSpec',
    3: 'status SubjectAccessReviewStatus',
  },
  SelfSubjectAccessReviewSpec: {
    1: 'resourceAttributes ResourceAttributes',
    2: 'nonResourceAttributes NonResourceAttributes',
  },
  SubjectAccessReview: {
    1: 'metadata meta.ObjectMeta',
    2: 'spec SubjectAccessReviewSpec',
    3: 'status SubjectAccessReviewStatus',
  },
  SubjectAccessReviewSpec: {
    1: 'resourceAttributes ResourceAttributes',
    2: 'nonResourceAttributes NonResourceAttributes',
    3: 'user string',
    4: 'groups []string',
    5: 'extra map<StringList>',
    6: 'uid string',
  },
  ResourceAttributes: {
    1: 'namespace string',
    2: 'verb string',
    3: 'group string',
    4: 'version string',
    5: 'resource string',
    6: 'subresource string',
    7: 'name string',
    8: 'fieldSelector FieldSelectorAttributes',
    9: 'labelSelector LabelSelectorAttributes',
  },
  FieldSelectorAttributes: { 1: 'rawSelector string', 2: 'requirements []meta.FieldSelectorRequirement' },
  LabelSelectorAttributes: { 1: 'rawSelector string', 2: 'requirements []meta.LabelSelectorRequirement' },
  NonResourceAttributes: { 1: 'path string', 2: 'verb string' },
  SubjectAccessReviewStatus: {
    1: 'allowed bool keep',
    2: 'reason string',
    3: 'evaluationError string',
    4: 'denied bool',
  },
  SelfSubjectRulesReview: {
    1: 'metadata meta.ObjectMeta',
    2: 'spec SelfSubjectRulesReviewSpec',
    3: 'status SubjectRulesReviewStatus',
  },
  SelfSubjectRulesReviewSpec: { 1: 'namespace string' },
  SubjectRulesReviewStatus: {
    1: 'resourceRules []ResourceRule',
    2: 'nonResourceRules []NonResourceRule',
    3: 'incomplete bool keep',
    4: 'evaluationError string',
  },
  ResourceRule: {
    1: 'verbs []string',
    2: 'apiGroups []string',
    3: 'resources []string',
    4: 'resourceNames []string',
  },
  NonResourceRule: { 1: 'verbs []string', 2: 'nonResourceURLs []string' },
};

export const authenticationMessages: MessageTable = {
  TokenRequest: { 1: 'metadata meta.ObjectMeta', 2: 'spec TokenRequestSpec', 3: 'status TokenRequestStatus' },
  TokenRequestSpec: {
    1: 'audiences []string',
    3: 'boundObjectRef BoundObjectReference',
    4: 'expirationSeconds int64 keep',
  },
  // The .proto spells field 4 "uID"; the JSON name is "uid".
  BoundObjectReference: { 1: 'kind string', 2: 'apiVersion string', 3: 'name string', 4: 'uid string' },
  TokenRequestStatus: { 1: 'token string keep', 2: 'expirationTimestamp Time' },
  TokenReview: { 1: 'metadata meta.ObjectMeta', 2: 'spec TokenReviewSpec', 3: 'status TokenReviewStatus' },
  TokenReviewSpec: { 1: 'token string', 2: 'audiences []string' },
  TokenReviewStatus: {
    1: 'authenticated bool',
    2: 'user UserInfo',
    3: 'error string',
    4: 'audiences []string',
  },
  SelfSubjectReview: { 1: 'metadata meta.ObjectMeta', 2: 'status SelfSubjectReviewStatus' },
  SelfSubjectReviewStatus: { 1: 'userInfo UserInfo' },
  UserInfo: { 1: 'username string', 2: 'uid string', 3: 'groups []string', 4: 'extra map<StringList>' },
};
