/**
 * Which dashboard plugins exist: ES modules in plugin folders (the repository's shipped `plugins/`
 * and `<data-dir>/plugins/`), and ConfigMaps in kube-system labelled `minato.dev/dashboard-plugin=true`
 * (key `plugin.js`). A name appears once: a ConfigMap overrides a data-dir plugin, which overrides a
 * shipped one, so an operator can replace a plugin without touching the installation.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../../api/types.js';

export const PLUGIN_LABEL = 'minato.dev/dashboard-plugin';
export const PLUGIN_KEY = 'plugin.js';
export const PLUGIN_NAMESPACE = 'kube-system';

export type PluginSource = 'shipped' | 'data-dir' | 'configmap';

export interface PluginEntry {
  name: string;
  source: PluginSource;
  /** Where the browser loads the module from (relative to /dashboard/). */
  url: string;
  /** Whether the module needs the user's credential to load (fetched, then imported from a blob). */
  authenticated: boolean;
  description?: string;
}

/** Plugin names are URL- and file-safe: lowercase letters, digits, dots, dashes and underscores. */
const NAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;

export function isPluginName(name: string): boolean {
  return NAME.test(name);
}

/**
 * Plugins in one folder: `NAME.js`, or `NAME/index.js` (a folder plugin may import its own sibling
 * files). Names that are not plugin names are skipped; a missing folder has no plugins.
 */
export async function folderPlugins(
  dir: string,
  source: PluginSource,
  urlBase: string,
): Promise<PluginEntry[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const found: PluginEntry[] = [];
  for (const file of names.sort()) {
    if (file.endsWith('.js') && isPluginName(file.slice(0, -3))) {
      found.push({
        name: file.slice(0, -3),
        source,
        url: `${urlBase}/${file}`,
        authenticated: false,
      });
      continue;
    }
    if (!isPluginName(file)) continue;
    const entry = await stat(join(dir, file, 'index.js')).catch(() => undefined);
    if (entry?.isFile()) {
      found.push({ name: file, source, url: `${urlBase}/${file}/index.js`, authenticated: false });
    }
  }
  return found;
}

/** The plugin a labelled ConfigMap carries, or undefined when it has no usable `plugin.js`. */
export function configMapPlugin(cm: KubeObject): PluginEntry | undefined {
  const name = cm.metadata.name ?? '';
  const code = (cm.data as Record<string, string> | undefined)?.[PLUGIN_KEY];
  if (!isPluginName(name) || typeof code !== 'string') return undefined;
  const description = cm.metadata.annotations?.['minato.dev/description'];
  return {
    name,
    source: 'configmap',
    url: `plugins/configmap/${name}.js`,
    authenticated: true,
    ...(description ? { description } : {}),
  };
}

/** Merges plugin lists; later lists override earlier ones by name. Sorted by name. */
export function mergePlugins(...lists: PluginEntry[][]): PluginEntry[] {
  const byName = new Map<string, PluginEntry>();
  for (const list of lists) for (const p of list) byName.set(p.name, p);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}
