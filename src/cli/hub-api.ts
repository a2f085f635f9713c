/** Talks to a running hub as its administrator, with the admin kubeconfig in the data dir. */
import { readFile } from 'node:fs/promises';
import { request } from 'node:https';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ApiError } from '../api/errors.js';
import { UsageError } from './args.js';

export interface HubConnection {
  server: string;
  ca: Buffer;
  cert: Buffer;
  key: Buffer;
}

export async function adminConnection(dataDir: string): Promise<HubConnection> {
  const path = join(dataDir, 'admin.kubeconfig');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(
      `no admin kubeconfig at ${path}: start the hub first with "minato up --data-dir ${dataDir}"`,
    );
  }
  const config = parseYaml(text);
  const cluster = config.clusters?.[0]?.cluster ?? {};
  const user = config.users?.[0]?.user ?? {};
  const b64 = (v: string | undefined) => Buffer.from(v ?? '', 'base64');
  return {
    server: cluster.server,
    ca: b64(cluster['certificate-authority-data']),
    cert: b64(user['client-certificate-data']),
    key: b64(user['client-key-data']),
  };
}

export function hubRequest<T>(
  hub: HubConnection,
  method: string,
  path: string,
  body?: unknown,
  contentType = 'application/json',
): Promise<T> {
  const url = new URL(path, hub.server);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: hub.ca,
        cert: hub.cert,
        key: hub.key,
        timeout: 10_000,
        headers: {
          Accept: 'application/json',
          ...(payload ? { 'Content-Type': contentType, 'Content-Length': payload.length } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            parsed = undefined;
          }
          if ((res.statusCode ?? 500) >= 400)
            reject(ApiError.fromStatus((parsed ?? { message: text }) as object, res.statusCode));
          else resolve(parsed as T);
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`the hub at ${hub.server} did not answer within 10 s`)));
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'ECONNREFUSED'
          ? new UsageError(`cannot reach the hub at ${hub.server}: is "minato up" running?`)
          : err,
      ),
    );
    if (payload) req.write(payload);
    req.end();
  });
}
