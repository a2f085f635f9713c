/**
 * A small client for the hub's registry over HTTPS with the caller's own credentials (client
 * certificate or bearer token): what `minato push` and the agent need, nothing more. Failures are
 * the registry's ApiErrors (rebuilt from OCI error bodies) or, when the hub cannot be reached, a
 * `RegistryUnreachable` the agent treats as "offline".
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Agent, request } from 'node:https';
import type { Readable } from 'node:stream';
import { OCI_MANIFEST_MEDIA_TYPE } from './artifact.js';
import { fromOciError, registryError } from './errors.js';

export interface RegistryCredentials {
  /** The hub's base URL, https://HOST:PORT. */
  server: string;
  caPem?: string;
  certPem?: string;
  keyPem?: string;
  token?: string;
}

/** The hub did not answer (refused, reset, timed out, TLS failure) or answered 5xx. */
export class RegistryUnreachable extends Error {
  override readonly name = 'RegistryUnreachable';
}

export interface Progress {
  sent: number;
  total: number;
}

interface Options {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | Readable;
  /** Socket idle timeout. */
  timeoutMs?: number;
}

export class RegistryClient {
  private readonly agent: Agent;

  constructor(
    private readonly credentials: RegistryCredentials,
    private readonly timeoutMs = 30_000,
  ) {
    this.agent = new Agent({
      keepAlive: true,
      ca: credentials.caPem,
      cert: credentials.certPem,
      key: credentials.keyPem,
    });
  }

  close(): void {
    this.agent.destroy();
  }

  /** The size of a blob already in the repository, or undefined when it is not (or not visible). */
  async blobSize(name: string, digest: string): Promise<number | undefined> {
    const res = await this.send({ method: 'HEAD', path: `/v2/${name}/blobs/${digest}` });
    res.resume();
    // Anything but 200 (absent, or refused: a HEAD carries no error body) reads as "not there"; the
    // upload that follows then fails with the registry's own message.
    if (res.statusCode !== 200) return undefined;
    return Number(res.headers['content-length'] ?? 0);
  }

  /**
   * Uploads a blob (POST, then one streaming PUT ?digest=) unless the repository has it already.
   * `onProgress` hears the bytes handed to the connection.
   */
  async pushBlob(
    name: string,
    digest: string,
    size: number,
    open: () => Readable,
    onProgress?: (p: Progress) => void,
  ): Promise<'uploaded' | 'exists'> {
    if ((await this.blobSize(name, digest)) === size) return 'exists';
    const started = await this.send({ method: 'POST', path: `/v2/${name}/blobs/uploads/` });
    await this.check(started, 202);
    started.resume();
    const location = started.headers.location;
    if (!location) throw registryError('BLOB_UPLOAD_INVALID', 'the registry did not say where to upload');
    const target = new URL(location, this.credentials.server);
    target.searchParams.set('digest', digest);
    const body = open();
    let sent = 0;
    if (onProgress) {
      body.on('data', (chunk: Buffer) => {
        sent += chunk.length;
        onProgress({ sent, total: size });
      });
    }
    const done = await this.send({
      method: 'PUT',
      path: `${target.pathname}${target.search}`,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
      body,
    });
    await this.check(done, 201);
    done.resume();
    return 'uploaded';
  }

  /** Stores a manifest under a tag (or digest); returns the digest the registry computed. */
  async putManifest(name: string, reference: string, bytes: Buffer): Promise<string> {
    const res = await this.send({
      method: 'PUT',
      path: `/v2/${name}/manifests/${reference}`,
      headers: { 'Content-Type': OCI_MANIFEST_MEDIA_TYPE, 'Content-Length': String(bytes.length) },
      body: bytes,
    });
    await this.check(res, 201);
    res.resume();
    return String(res.headers['docker-content-digest'] ?? '');
  }

  /**
   * A manifest by tag or digest, its digest computed from the bytes received and checked against
   * the digest asked for (and the one the registry announced).
   */
  async getManifest(
    name: string,
    reference: string,
    timeoutMs?: number,
  ): Promise<{ digest: string; mediaType: string; bytes: Buffer }> {
    const res = await this.send({
      method: 'GET',
      path: `/v2/${name}/manifests/${reference}`,
      headers: { Accept: OCI_MANIFEST_MEDIA_TYPE },
      timeoutMs,
    });
    await this.check(res, 200);
    const bytes = await readAll(res, 4 * 1024 * 1024);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const announced = res.headers['docker-content-digest'];
    const expected = reference.includes(':') ? reference : announced;
    if (expected && expected !== digest) {
      throw registryError(
        'DIGEST_INVALID',
        `manifest ${name}@${reference} arrived with digest ${digest}, expected ${expected}; refusing it`,
      );
    }
    const mediaType = String(res.headers['content-type'] ?? '')
      .split(';')[0]!
      .trim();
    return { digest, mediaType, bytes };
  }

  /** Starts a blob download: the response stream and the size the registry announced. */
  async openBlob(name: string, digest: string): Promise<{ body: IncomingMessage; size: number }> {
    const res = await this.send({ method: 'GET', path: `/v2/${name}/blobs/${digest}` });
    await this.check(res, 200);
    return { body: res, size: Number(res.headers['content-length'] ?? -1) };
  }

  /** Raw request (tests and diagnostics). */
  send(options: Options): Promise<IncomingMessage> {
    const url = new URL(options.path, this.credentials.server);
    const headers: Record<string, string> = { ...options.headers };
    if (this.credentials.token && !this.credentials.certPem)
      headers.Authorization = `Bearer ${this.credentials.token}`;
    if (options.body === undefined && ['POST', 'PUT', 'PATCH'].includes(options.method))
      headers['Content-Length'] ??= '0';
    return new Promise((resolve, reject) => {
      const req = request(url, { method: options.method, agent: this.agent, headers }, resolve);
      req.setTimeout(options.timeoutMs ?? this.timeoutMs, () =>
        req.destroy(
          new RegistryUnreachable(
            `${this.credentials.server} did not answer within ${Math.round((options.timeoutMs ?? this.timeoutMs) / 1000)} s`,
          ),
        ),
      );
      req.on('error', (err: NodeJS.ErrnoException) =>
        reject(
          err instanceof RegistryUnreachable
            ? err
            : new RegistryUnreachable(`cannot reach the hub at ${this.credentials.server}: ${err.message}`),
        ),
      );
      if (options.body === undefined) req.end();
      else if (Buffer.isBuffer(options.body)) req.end(options.body);
      else {
        const body = options.body;
        body.on('error', (err) => req.destroy(err));
        body.pipe(req);
      }
    });
  }

  /** Throws the registry's error unless the status is the one expected (any 2xx by default). */
  private async check(res: IncomingMessage, expected?: number): Promise<void> {
    const status = res.statusCode ?? 500;
    const ok = expected === undefined ? status >= 200 && status < 300 : status === expected;
    if (ok) return;
    const text = (await readAll(res, 64 * 1024).catch(() => Buffer.alloc(0))).toString('utf8');
    if (status >= 500)
      throw new RegistryUnreachable(`the hub answered HTTP ${status}: ${text.slice(0, 200)}`);
    throw fromOciError(status, text);
  }
}

async function readAll(res: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      res.destroy();
      throw registryError('SIZE_INVALID', `the response is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
