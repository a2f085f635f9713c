/**
 * The plugin API: what a plugin's `register(api)` receives. Documented for plugin authors in
 * src/dashboard/PLUGINS.md; keep the two in step. Version 1; additions only.
 */
import type { KubeObject } from '../../../api/types.js';
import type { PatchType } from '../api/client.js';
import type { WatchEvent } from '../api/watch.js';
import type { MapConfig } from '../model/map-config.js';
import type { Position } from '../model/node-state.js';

export const PLUGIN_API_VERSION = 1;

/** A tiny Kubernetes client that uses the signed-in user's credential (plugins never hold their own). */
export interface PluginKube {
  get<T = KubeObject>(path: string): Promise<T>;
  list<T = KubeObject>(path: string): Promise<{ items: T[]; metadata: { resourceVersion?: string } }>;
  /** Lists, then watches; `onEvent` gets ADDED for what exists, then every change. Returns stop(). */
  watch(path: string, onEvent: (event: WatchEvent) => void): () => void;
  patch<T = KubeObject>(path: string, body: unknown, type?: PatchType): Promise<T>;
  create<T = KubeObject>(path: string, body: unknown): Promise<T>;
  delete(path: string): Promise<void>;
}

export interface PluginContext {
  kube: PluginKube;
  /** Who is signed in (from a SelfSubjectReview). */
  user: { name: string; groups: string[] };
  /** Goes to a dashboard route, e.g. navigate('/nodes?node=car-7'). */
  navigate(path: string): void;
  /** Asks the hub (SelfSubjectAccessReview) whether the user may do something. */
  can(
    verb: string,
    resource: string,
    options?: { group?: string; namespace?: string; name?: string; subresource?: string },
  ): Promise<boolean>;
}

export interface RouteContext extends PluginContext {
  /** The query parameters of the route (#/path?a=b). */
  params: URLSearchParams;
}

/** What a render function may return: a cleanup called when the view goes away. */
// biome-ignore lint/suspicious/noConfusingVoidType: render functions may simply return nothing
export type Cleanup = void | (() => void);

export interface SidebarEntry {
  id: string;
  label: string;
  /** The route it opens, e.g. '/battery'. */
  path: string;
  /** One or two characters (or an emoji) shown as its icon. */
  icon?: string;
}

export interface RouteDefinition {
  path: string;
  title?: string;
  render(el: HTMLElement, ctx: RouteContext): Cleanup;
}

export interface DetailsSection {
  /** The kind it applies to ('Node', 'Pod', 'Deployment', …), or '*' for every kind. */
  kind: string;
  title: string;
  /** Called when the details open and again whenever the object changes; render idempotently. */
  render(el: HTMLElement, obj: KubeObject, ctx: PluginContext): Cleanup;
}

export interface MapLayerView {
  /** Every device (Node) now, positioned or not. */
  nodes: KubeObject[];
  /** Names of the devices that changed since the last call; undefined when everything may have. */
  changed: ReadonlySet<string> | undefined;
  map: MapConfig;
  /** Metres on the map to pixels in the layer's group (y grows north on the map, down on screen). */
  project(x: number, y: number): [number, number];
  /** A device's position in metres, from its minato.dev/position annotation. */
  position(node: KubeObject): Position | undefined;
  /** Pixels per metre at the current zoom. */
  scale: number;
}

export interface MapLayer {
  id: string;
  title: string;
  /** Draws into `group` (screen pixels). Called after devices change and after pan, zoom or resize. */
  render(group: SVGGElement, view: MapLayerView): void;
}

export interface DashboardPluginApi {
  readonly apiVersion: typeof PLUGIN_API_VERSION;
  /** This plugin's name (from its file, folder or ConfigMap). */
  readonly plugin: string;
  registerSidebarEntry(entry: SidebarEntry): void;
  registerRoute(route: RouteDefinition): void;
  registerDetailsSection(section: DetailsSection): void;
  registerMapLayer(layer: MapLayer): void;
  kube: PluginKube;
}
