/** The client's public surface. */
export { Backoff, type BackoffOptions, sleep } from './backoff.js';
export { describeNetworkError, errorFromResponse, isTransportError, TransportError } from './errors.js';
export {
  type CallOptions,
  type ClientOptions,
  type DeleteOptions,
  KubeClient,
  type ListResult,
  type PatchType,
  type RawReply,
  type TrafficCounters,
} from './kube-client.js';
export { loadKubeconfig, parseKubeconfig } from './kubeconfig.js';
export { type ListWatchOptions, ListWatcher } from './list-watch.js';
export { type ResourceRef, resourcePath, withQuery } from './paths.js';
export type { WatchEnd, WatchEvent, WatchEventType, WatchHandle, WatchOptions } from './watch.js';
