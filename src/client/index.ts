/**
 * The client's public surface. Kubeconfig files are read by './kubeconfig.js', imported on its own
 * because it pulls in the YAML parser, which a device agent does not need.
 */
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
export { ListWatcher, type ListWatchOptions } from './list-watch.js';
export { type ResourceRef, resourcePath, withQuery } from './paths.js';
export type { WatchEnd, WatchEvent, WatchEventType, WatchHandle, WatchOptions } from './watch.js';
