/**
 * One watch request: GET COLLECTION?watch=1, read newline-delimited events until the stream ends.
 * Resuming (from which resourceVersion, when to relist) is the caller's decision, made from the
 * WatchEnd this reports: `expired` means relist, anything else means "watch again from
 * lastResourceVersion".
 */
import type { ApiError } from '../api/errors.js';
import { ApiError as ApiErrorClass } from '../api/errors.js';
import type { KubeObject, Status } from '../api/types.js';
import { errorFromResponse } from './errors.js';
import type { KubeClient } from './kube-client.js';
import { withQuery } from './paths.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent<T extends KubeObject = KubeObject> {
  type: WatchEventType;
  object: T;
}

export interface WatchOptions<T extends KubeObject = KubeObject> {
  resourceVersion?: string;
  fieldSelector?: string;
  labelSelector?: string;
  allowWatchBookmarks?: boolean;
  /** Ask the server to end the stream after this many seconds. */
  timeoutSeconds?: number;
  onEvent(event: WatchEvent<T>): void;
}

export interface WatchEnd {
  /**
   * stopped: the caller stopped it; closed: the server ended it cleanly; expired: the
   * resourceVersion is too old (410), relist; error: HTTP or transport failure (see error).
   */
  reason: 'stopped' | 'closed' | 'expired' | 'error';
  error?: ApiError;
  /** The newest resourceVersion seen (events and bookmarks), or the one the watch started from. */
  lastResourceVersion: string | undefined;
}

export interface WatchHandle {
  stop(): void;
  readonly done: Promise<WatchEnd>;
}

/** Longest line accepted from a watch stream; a larger event means something is badly wrong. */
const MAX_EVENT_BYTES = 16 * 1024 * 1024;

export function watchPath<T extends KubeObject>(
  client: KubeClient,
  path: string,
  options: WatchOptions<T>,
): WatchHandle {
  let lastResourceVersion = options.resourceVersion;
  let settle: (end: WatchEnd) => void = () => {};
  let ended = false;
  const done = new Promise<WatchEnd>((resolve) => {
    settle = (end) => {
      if (ended) return;
      ended = true;
      resolve(end);
    };
  });
  const finish = (reason: WatchEnd['reason'], error?: ApiError) =>
    settle({ reason, error, lastResourceVersion });

  const query = {
    watch: 1,
    resourceVersion: options.resourceVersion,
    fieldSelector: options.fieldSelector,
    labelSelector: options.labelSelector,
    allowWatchBookmarks: options.allowWatchBookmarks ? 'true' : undefined,
    timeoutSeconds: options.timeoutSeconds,
  };
  let req: ReturnType<KubeClient['open']>;
  try {
    req = client.open('GET', withQuery(path, query));
  } catch (err) {
    finish('error', err as ApiError);
    return { stop() {}, done };
  }
  let stopped = false;

  req.on('error', (err) => {
    if (stopped) return finish('stopped');
    finish('error', client.transportError(err));
  });
  req.on('response', (res) => {
    const status = res.statusCode ?? 0;
    if (status < 200 || status >= 300) {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const error = errorFromResponse(status, Buffer.concat(chunks).toString('utf8'));
        finish(error.code === 410 ? 'expired' : 'error', error);
      });
      return;
    }
    res.setEncoding('utf8');
    let buffer = '';
    res.on('data', (chunk: string) => {
      buffer += chunk;
      let newline = buffer.indexOf('\n');
      while (newline >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line && !handleLine(line)) return;
        newline = buffer.indexOf('\n');
      }
      if (buffer.length > MAX_EVENT_BYTES) {
        res.destroy();
        finish('error', errorFromResponse(502, `a watch event exceeded ${MAX_EVENT_BYTES} bytes`));
      }
    });
    res.on('end', () => finish(stopped ? 'stopped' : 'closed'));
    res.on('close', () => finish(stopped ? 'stopped' : 'closed'));
    res.on('error', (err) => finish(stopped ? 'stopped' : 'error', client.transportError(err)));

    /** False when the stream must end (an ERROR event). */
    const handleLine = (line: string): boolean => {
      let event: { type?: string; object?: unknown };
      try {
        event = JSON.parse(line) as typeof event;
      } catch {
        res.destroy();
        finish(
          'error',
          errorFromResponse(502, `the watch stream sent a line that is not JSON: ${line.slice(0, 200)}`),
        );
        return false;
      }
      if (event.type === 'ERROR') {
        const error = ApiErrorClass.fromStatus((event.object ?? {}) as Status);
        res.destroy();
        finish(error.code === 410 ? 'expired' : 'error', error);
        return false;
      }
      const object = event.object as T | undefined;
      const rv = object?.metadata?.resourceVersion;
      if (rv) lastResourceVersion = rv;
      if (object && event.type) options.onEvent({ type: event.type as WatchEventType, object });
      return true;
    };
  });
  req.end();

  return {
    stop() {
      if (ended) return;
      stopped = true;
      req.destroy();
      finish('stopped');
    },
    done,
  };
}
