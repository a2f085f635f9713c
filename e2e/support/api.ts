/**
 * Raw HTTPS requests to a hub with the admin client certificate taken from its kubeconfig (or with
 * no certificate at all, as an anonymous caller). For what kubectl cannot send: malformed bodies,
 * wrong kinds, floods of writes.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { parse } from 'yaml';

export interface Credentials {
  server: string;
  ca: string;
  cert: string;
  key: string;
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

interface KubeconfigFile {
  clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
  users?: { user?: { 'client-certificate-data'?: string; 'client-key-data'?: string } }[];
}

const fromBase64 = (s: string | undefined, what: string, path: string): string => {
  if (!s) throw new Error(`${path} has no ${what}`);
  return Buffer.from(s, 'base64').toString('utf8');
};

/** The server, CA and admin client cert/key embedded in a kubeconfig file. */
export function readCredentials(kubeconfigPath: string): Credentials {
  const doc = parse(readFileSync(kubeconfigPath, 'utf8')) as KubeconfigFile;
  const cluster = doc.clusters?.[0]?.cluster;
  const user = doc.users?.[0]?.user;
  if (!cluster?.server) throw new Error(`${kubeconfigPath} has no cluster server`);
  return {
    server: cluster.server,
    ca: fromBase64(cluster['certificate-authority-data'], 'certificate-authority-data', kubeconfigPath),
    cert: fromBase64(user?.['client-certificate-data'], 'client-certificate-data', kubeconfigPath),
    key: fromBase64(user?.['client-key-data'], 'client-key-data', kubeconfigPath),
  };
}

export interface RequestOptions {
  method?: string;
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Send no client certificate. */
  anonymous?: boolean;
  timeoutMs?: number;
}

export class ApiClient {
  private readonly agent: Agent;
  private readonly anonymousAgent: Agent;

  constructor(readonly creds: Credentials) {
    // The CA must verify the hub's serving certificate: these requests prove the kubeconfig is right.
    this.agent = new Agent({
      ca: creds.ca,
      cert: creds.cert,
      key: creds.key,
      keepAlive: true,
      maxSockets: 8,
    });
    this.anonymousAgent = new Agent({ ca: creds.ca, keepAlive: false });
  }

  static fromKubeconfig(path: string): ApiClient {
    return new ApiClient(readCredentials(path));
  }

  request(path: string, options: RequestOptions = {}): Promise<ApiResponse> {
    const url = new URL(path, this.creds.server);
    const body = options.body;
    const headers: Record<string, string> = { accept: 'application/json', ...options.headers };
    if (body !== undefined) {
      headers['content-type'] ??= 'application/json';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: options.method ?? 'GET',
          headers,
          agent: options.anonymous ? this.anonymousAgent : this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      req.setTimeout(options.timeoutMs ?? 15_000, () =>
        req.destroy(new Error(`${options.method ?? 'GET'} ${path} timed out`)),
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  /** JSON body helper: sends `body` as JSON, returns the status and parsed reply (or the raw text). */
  async json(
    path: string,
    method = 'GET',
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<{ status: number; body: JsonObject; text: string }> {
    const r = await this.request(path, {
      ...options,
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    let parsed: JsonObject = {};
    try {
      parsed = JSON.parse(r.body) as JsonObject;
    } catch {
      // left empty; callers assert on `text`
    }
    return { status: r.status, body: parsed, text: r.body };
  }

  close(): void {
    this.agent.destroy();
    this.anonymousAgent.destroy();
  }
}

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON from the server is inspected field by field in tests
export type JsonObject = Record<string, any>;
