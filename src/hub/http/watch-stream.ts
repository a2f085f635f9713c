/**
 * A watch as a newline-delimited JSON stream: one event per line, headers flushed at once,
 * optional bookmarks, ended by timeoutSeconds or by the client. An expired resourceVersion is
 * reported the way the apiserver does it: an ERROR event carrying a 410 Status, then the stream ends.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type KubeObject, toApiError } from '../../api/index.js';
import type { ObjectService, WatchOptions } from '../objects/object-service.js';
import type { ResourceType } from '../registry/resource-type.js';
import { groupVersion } from '../registry/resource-type.js';

const BOOKMARK_INTERVAL_MS = 5_000;
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

export interface WatchStreamOptions {
  req: IncomingMessage;
  res: ServerResponse;
  objects: ObjectService;
  type: ResourceType;
  namespace: string | undefined;
  options: WatchOptions;
  bookmarks: boolean;
  timeoutSeconds: number | undefined;
  /** Re-encodes objects for Table or metadata-only watches; plain JSON reuses the stored text. */
  encodeObject?: (object: KubeObject, resourceVersion: string) => string;
}

export function streamWatch(o: WatchStreamOptions): void {
  const { res } = o;
  let lastRv =
    o.options.resourceVersion && o.options.resourceVersion !== '0'
      ? o.options.resourceVersion
      : String(o.objects.store.revision);
  let stopped = false;
  let unsubscribe: (() => void) | undefined;
  const timers: NodeJS.Timeout[] = [];
  // Lines wait here until the watch is known to be valid, so a bad request still gets a plain 4xx.
  let pending: string[] | undefined = [];

  const stop = () => {
    if (stopped) return;
    stopped = true;
    unsubscribe?.();
    for (const t of timers) clearInterval(t);
    if (!res.writableEnded) res.end();
  };
  const write = (line: string) => {
    if (stopped) return;
    if (pending) pending.push(line);
    else {
      res.write(`${line}\n`);
      // A watcher that stops reading is dropped rather than buffered without bound; it re-watches
      // from its last resourceVersion, as every client does after a closed stream.
      if (res.writableLength > MAX_BUFFERED_BYTES) stop();
    }
  };
  const openStream = () => {
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Cache-Control': 'no-cache, private',
      'Transfer-Encoding': 'chunked',
    });
    res.flushHeaders();
    res.on('close', stop);
    res.on('error', stop);
    const lines = pending ?? [];
    pending = undefined;
    if (lines.length > 0) res.write(`${lines.join('\n')}\n`);
  };

  try {
    unsubscribe = o.objects.watch(o.type, o.namespace, o.options, (event) => {
      lastRv = event.object.metadata.resourceVersion ?? lastRv;
      const object = o.encodeObject ? o.encodeObject(event.object, lastRv) : event.json;
      write(`{"type":"${event.type}","object":${object}}`);
    });
  } catch (err) {
    const apiError = toApiError(err);
    // Too old a resourceVersion is reported in the stream, as the apiserver does; other errors are plain 4xx.
    if (apiError.code !== 410) throw err;
    openStream();
    write(JSON.stringify({ type: 'ERROR', object: apiError.toStatus() }));
    stop();
    return;
  }
  openStream();

  if (o.bookmarks) {
    timers.push(
      setInterval(() => {
        // The store's revision is a safe bookmark: every event up to it has been delivered or filtered out.
        lastRv = String(o.objects.store.committedRevision);
        write(
          JSON.stringify({
            type: 'BOOKMARK',
            object: {
              kind: o.type.kind,
              apiVersion: groupVersion(o.type),
              metadata: { resourceVersion: lastRv },
            },
          }),
        );
      }, BOOKMARK_INTERVAL_MS),
    );
  }
  if (o.timeoutSeconds !== undefined && o.timeoutSeconds > 0) {
    timers.push(setTimeout(stop, o.timeoutSeconds * 1000));
  }
}
