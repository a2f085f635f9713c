/**
 * The operator dashboard as the hub serves it, under /dashboard/ on the API's own HTTPS port.
 *
 * Two kinds of path, kept apart on purpose:
 * - static files (the sign-in page, the compiled browser code, styles, plugin code from folders) load
 *   before anyone has signed in, so the front door hands GET /dashboard/* to `serveAsset` *before*
 *   authentication; it serves files only, never cluster data;
 * - everything that depends on who is asking (the plugin list, ConfigMap plugins, the multiplexed
 *   watch stream) is `route`, reached only after authentication like any API request. Those
 *   endpoints authorize per item (RBAC on each ConfigMap, the API itself for each proxied watch), so
 *   the front door lets them past its non-resource URL check (`authorizesItself`).
 */
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { forbidden, methodNotAllowed, notFound, unauthorized } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { RequestAttributes } from '../../hub/auth/attributes.js';
import { type UserInfo, userOf } from '../../hub/http/server.js';
import type { ObjectService } from '../../hub/objects/object-service.js';
import {
  configMapPlugin,
  folderPlugins,
  isPluginName,
  mergePlugins,
  PLUGIN_KEY,
  PLUGIN_LABEL,
  PLUGIN_NAMESPACE,
} from './plugins.js';
import { contentTypeOf, fileInside, safeSegments, sendFile } from './static-files.js';
import { type LoopbackTarget, serveWatchMux, WATCH_MUX_PATH } from './watch-mux.js';

export const DASHBOARD_PREFIX = '/dashboard';

export interface DashboardOptions {
  dataDir: string;
  objects: ObjectService;
  /** The hub's authorizer: decides whether a user may read a plugin's ConfigMap. */
  decide(attributes: RequestAttributes): { allowed: boolean };
  /** Where the hub listens (known once it does), for the watch stream's loopback requests. */
  loopback(): LoopbackTarget;
  /** Folder overrides, for tests; by default they are found relative to this file. */
  folders?: Partial<DashboardFolders>;
}

export interface DashboardFolders {
  /** Compiled code (dist/src): the browser loads dashboard/ui/** and api/errors.js from here. */
  compiled: string;
  /** index.html, styles and icons (src/dashboard/ui/static). */
  static: string;
  /** Plugins shipped with Minato (the repository's plugins/ folder). */
  shippedPlugins: string;
  /** The operator's plugins (<data-dir>/plugins). */
  localPlugins: string;
}

export interface Dashboard {
  serveAsset(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  authorizesItself(method: string, url: URL): boolean;
}

/** Content-Security-Policy of the page: no inline scripts; plugins load from this origin or a blob. */
const CSP = [
  "default-src 'self'",
  "script-src 'self' blob:",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function defaultFolders(dataDir: string): DashboardFolders {
  // This file is dist/src/dashboard/server/dashboard.js; the repository root is four levels up.
  const compiled = fileURLToPath(new URL('../../', import.meta.url));
  const root = fileURLToPath(new URL('../../../../', import.meta.url));
  return {
    compiled,
    static: join(root, 'src', 'dashboard', 'ui', 'static'),
    shippedPlugins: join(root, 'plugins'),
    localPlugins: join(dataDir, 'plugins'),
  };
}

export function createDashboard(options: DashboardOptions): Dashboard {
  const folders = { ...defaultFolders(options.dataDir), ...options.folders };
  const configMaps = () => options.objects.registry.lookup('', 'v1', 'configmaps')!;

  const mayRead = (user: UserInfo, name: string) =>
    options.decide({
      user,
      verb: 'get',
      resourceRequest: true,
      apiGroup: '',
      resource: 'configmaps',
      subresource: '',
      namespace: PLUGIN_NAMESPACE,
      name,
      path: '',
      fieldSelector: '',
    }).allowed;

  const pluginConfigMaps = (): KubeObject[] =>
    options.objects.list(configMaps(), PLUGIN_NAMESPACE, { labelSelector: `${PLUGIN_LABEL}=true` }).items;

  async function serveAsset(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    if (path === DASHBOARD_PREFIX) {
      res.writeHead(301, { Location: `${DASHBOARD_PREFIX}/${url.search}` });
      res.end();
      return true;
    }
    const rest = path.slice(DASHBOARD_PREFIX.length + 1);
    if (rest === '' || rest === 'index.html') {
      const built = existsSync(join(folders.compiled, 'dashboard', 'ui', 'main.js'));
      const page = await fileInside(folders.static, [built ? 'index.html' : 'not-built.html']);
      if (!page) return false;
      await sendFile(req, res, page, {
        'Content-Security-Policy': CSP,
        'X-Frame-Options': 'DENY',
        'Referrer-Policy': 'no-referrer',
      });
      return true;
    }
    const file = await assetFile(rest);
    if (!file) return false;
    await sendFile(req, res, file);
    return true;
  }

  /** The file a static URL (below /dashboard/) names, or undefined when it is not a static asset. */
  async function assetFile(rest: string): Promise<string | undefined> {
    const [area, ...tail] = rest.split('/');
    const segments = safeSegments(tail.join('/'));
    if (!segments || !contentTypeOf(segments.at(-1)!)) return undefined;
    if (area === 'static') return fileInside(folders.static, segments);
    if (area === 'app') {
      // Only the browser code and the shared error model, never the hub's own modules.
      const relative = segments.join('/');
      const allowed =
        (relative.startsWith('dashboard/ui/') || relative === 'api/errors.js') && relative.endsWith('.js');
      return allowed ? fileInside(folders.compiled, segments) : undefined;
    }
    if (area === 'plugins' && segments.length > 1) {
      const [source, ...file] = segments;
      if (source === 'shipped') return fileInside(folders.shippedPlugins, file);
      if (source === 'local') return fileInside(folders.localPlugins, file);
    }
    return undefined;
  }

  async function route(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname;
    if (path !== DASHBOARD_PREFIX && !path.startsWith(`${DASHBOARD_PREFIX}/`)) return false;
    const user = userOf(req);
    if (!user) throw unauthorized('sign in to the dashboard: this needs a Bearer token');
    if (req.method !== 'GET' && req.method !== 'HEAD') throw methodNotAllowed(`${path} takes GET`);

    if (path === WATCH_MUX_PATH) {
      serveWatchMux(req, res, url, options.loopback());
      return true;
    }
    if (path === `${DASHBOARD_PREFIX}/plugins/index.json`) {
      const visible = pluginConfigMaps().filter((cm) => mayRead(user, cm.metadata.name!));
      const plugins = mergePlugins(
        await folderPlugins(folders.shippedPlugins, 'shipped', 'plugins/shipped'),
        await folderPlugins(folders.localPlugins, 'data-dir', 'plugins/local'),
        visible.map(configMapPlugin).filter((p) => p !== undefined),
      );
      const body = JSON.stringify({ plugins });
      res.writeHead(200, {
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': 'no-store',
        'Content-Length': String(Buffer.byteLength(body)),
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return true;
    }
    const match = /^\/dashboard\/plugins\/configmap\/([^/]+)\.js$/.exec(path);
    if (match) {
      const name = match[1]!;
      if (!isPluginName(name)) throw notFound('configmaps', '', name);
      if (!mayRead(user, name)) {
        throw forbidden(
          `configmaps "${name}" is forbidden: User "${user.name}" cannot get resource "configmaps" in the namespace "${PLUGIN_NAMESPACE}"`,
        );
      }
      const cm = options.objects.find(configMaps(), PLUGIN_NAMESPACE, name);
      const code = (cm?.data as Record<string, string> | undefined)?.[PLUGIN_KEY];
      if (cm?.metadata.labels?.[PLUGIN_LABEL] !== 'true' || typeof code !== 'string') {
        throw notFound('configmaps', '', name).withMessage(
          `dashboard plugin "${name}" not found: no ConfigMap ${PLUGIN_NAMESPACE}/${name} labelled ${PLUGIN_LABEL}=true with key ${PLUGIN_KEY}`,
        );
      }
      res.writeHead(200, {
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'Content-Length': String(Buffer.byteLength(code)),
      });
      res.end(req.method === 'HEAD' ? undefined : code);
      return true;
    }
    return false;
  }

  return {
    serveAsset,
    route,
    authorizesItself(method, url) {
      const path = url.pathname;
      return (
        (method === 'GET' || method === 'HEAD') &&
        (path === WATCH_MUX_PATH ||
          path === `${DASHBOARD_PREFIX}/plugins/index.json` ||
          path.startsWith(`${DASHBOARD_PREFIX}/plugins/configmap/`))
      );
    },
  };
}
