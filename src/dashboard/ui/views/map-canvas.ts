/**
 * The fleet map in SVG, built to stay fluid with thousands of devices:
 * - each device is one <g> keyed by node name, created once and then only touched when that node
 *   changed (its transform when it moved, its data-state when its state changed);
 * - devices, stations and plugin layers are drawn in screen pixels (constant size at any zoom);
 *   the map itself (area, roads, coverage) sits in one group transformed from metres;
 * - pan and zoom change one transform plus one attribute per device, at most once per frame.
 * Map coordinates: metres, x east, y north, origin at the south-west corner.
 */
import type { KubeObject } from '../../../api/types.js';
import { svg } from '../dom.js';
import type { MapConfig } from '../model/map-config.js';
import {
  type DeviceClass,
  type DeviceState,
  deviceClass,
  deviceState,
  linkQuality,
  position,
  stateInfo,
} from '../model/node-state.js';
import type { MapLayer, MapLayerView } from '../plugins/api.js';

interface DeviceEl {
  g: SVGGElement;
  use: SVGUseElement;
  title: SVGTitleElement;
  label: SVGTextElement | undefined;
  state: DeviceState | '';
  cls: DeviceClass | '';
  x: number;
  y: number;
  placed: boolean;
}

export interface MapCanvasOptions {
  onSelect(name: string | undefined): void;
}

const MIN_ZOOM_FACTOR = 0.5;
const MAX_ZOOM_FACTOR = 40;
const LABEL_LIMIT = 60;

const SHAPES: Record<DeviceClass, () => SVGElement> = {
  vehicle: () => svg('circle', { r: 6.5 }),
  drone: () => svg('path', { d: 'M0,-8 L8,0 L0,8 L-8,0 Z' }),
  robot: () => svg('rect', { x: -6, y: -6, width: 12, height: 12, rx: 2.5 }),
  gateway: () => svg('path', { d: 'M-3.5,-7 L3.5,-7 L7,0 L3.5,7 L-3.5,7 L-7,0 Z' }),
  device: () => svg('circle', { r: 5.5 }),
};

export class MapCanvas {
  readonly el: SVGSVGElement;
  private readonly world: SVGGElement;
  private readonly area: SVGRectElement;
  private readonly roads: SVGGElement;
  private readonly coverage: SVGGElement;
  private readonly stations: SVGGElement;
  private readonly layersRoot: SVGGElement;
  private readonly devicesRoot: SVGGElement;
  private readonly ring: SVGCircleElement;
  private readonly devices = new Map<string, DeviceEl>();
  private readonly layerGroups = new Map<MapLayer, SVGGElement>();
  private map: MapConfig = { name: '', width: 1000, height: 1000, stations: [], roads: [] };
  private nodes: ReadonlyMap<string, KubeObject> = new Map();
  private layers: MapLayer[] = [];
  private hiddenLayers = new Set<string>();
  private zoom = 1;
  private fitZoom = 1;
  private tx = 0;
  private ty = 0;
  private width = 0;
  private height = 0;
  private fitted = false;
  /** Once the user pans or zooms, resizes keep their view instead of re-fitting the map. */
  private userMoved = false;
  private selected: string | undefined;
  private viewDirty = false;
  private showLabels = true;
  private readonly resize: ResizeObserver;

  constructor(private readonly options: MapCanvasOptions) {
    this.area = svg('rect', { class: 'map-area', x: 0, y: 0 });
    this.roads = svg('g', { class: 'map-roads' });
    this.coverage = svg('g', { class: 'map-coverage' });
    this.world = svg('g', { class: 'map-world' }, this.area, this.coverage, this.roads);
    this.stations = svg('g', { class: 'map-stations' });
    this.layersRoot = svg('g', { class: 'map-plugin-layers' });
    this.devicesRoot = svg('g', { class: 'map-devices' });
    this.ring = svg('circle', { class: 'map-selection', r: 12, visibility: 'hidden' });
    this.el = svg(
      'svg',
      { class: 'map-svg', role: 'img', 'aria-label': 'Fleet map' },
      svg(
        'defs',
        {},
        Object.entries(SHAPES).map(([cls, make]) => svg('g', { id: `shape-${cls}` }, make())),
        svg(
          'pattern',
          { id: 'map-grid', width: 40, height: 40, patternUnits: 'userSpaceOnUse' },
          svg('path', { d: 'M40 0 L0 0 0 40', class: 'map-grid-line' }),
        ),
      ),
      svg('rect', { class: 'map-backdrop', width: '100%', height: '100%' }),
      this.world,
      this.stations,
      this.layersRoot,
      this.ring,
      this.devicesRoot,
    );
    this.attachInput();
    this.resize = new ResizeObserver(() => this.measure());
    this.resize.observe(this.el);
  }

  destroy(): void {
    this.resize.disconnect();
  }

  setMap(map: MapConfig): void {
    const sizeChanged = map.width !== this.map.width || map.height !== this.map.height;
    this.map = map;
    this.area.setAttribute('width', String(map.width));
    this.area.setAttribute('height', String(map.height));
    this.roads.replaceChildren(
      ...map.roads.map((r) =>
        svg('polyline', {
          points: r.map(([x, y]) => `${x},${map.height - y}`).join(' '),
          'vector-effect': 'non-scaling-stroke',
        }),
      ),
    );
    this.coverage.replaceChildren(
      ...map.stations.map((s) =>
        svg('circle', { cx: s.x, cy: map.height - s.y, r: s.radius, 'vector-effect': 'non-scaling-stroke' }),
      ),
    );
    this.stations.replaceChildren(
      ...map.stations.map((s) =>
        svg(
          'g',
          { class: 'map-station', 'data-station': s.name },
          svg('path', { d: 'M0,-11 L6,3 L-6,3 Z' }),
          svg('circle', { r: 2.2, cy: -11 }),
          svg('text', { y: -17, 'text-anchor': 'middle' }, s.name),
          svg('title', {}, `${s.name}: coverage radius ${s.radius} m`),
        ),
      ),
    );
    if (sizeChanged) this.fitted = false;
    this.measure();
    this.requestView();
  }

  setLayers(layers: MapLayer[]): void {
    this.layers = layers;
    for (const [layer, g] of this.layerGroups) {
      if (!layers.includes(layer)) {
        g.remove();
        this.layerGroups.delete(layer);
      }
    }
    for (const layer of layers) {
      if (!this.layerGroups.has(layer)) {
        const g = svg('g', { class: 'map-plugin-layer', 'data-layer': layer.id });
        this.layerGroups.set(layer, g);
        this.layersRoot.append(g);
      }
    }
    this.renderLayers(undefined);
  }

  setLayerVisible(id: string, visible: boolean): void {
    if (visible) this.hiddenLayers.delete(id);
    else this.hiddenLayers.add(id);
    for (const [layer, g] of this.layerGroups)
      g.style.display = this.hiddenLayers.has(layer.id) ? 'none' : '';
    if (id === 'coverage') this.coverage.style.display = visible ? '' : 'none';
    if (id === 'roads') this.roads.style.display = visible ? '' : 'none';
    if (id === 'labels') {
      this.showLabels = visible;
      for (const name of this.devices.keys()) this.updateLabel(name);
    }
    this.renderLayers(undefined);
  }

  /** Applies node changes: only the devices in `changed` are touched (all of them when undefined). */
  update(nodes: ReadonlyMap<string, KubeObject>, changed: ReadonlySet<string> | undefined): void {
    this.nodes = nodes;
    const names = changed ?? new Set([...nodes.keys(), ...this.devices.keys()]);
    const labelsBefore = this.labelsWanted();
    for (const name of names) {
      const node = nodes.get(name);
      if (!node) this.removeDevice(name);
      else this.updateDevice(name, node);
    }
    if (labelsBefore !== this.labelsWanted()) for (const name of this.devices.keys()) this.updateLabel(name);
    this.placeRing();
    this.renderLayers(changed);
  }

  select(name: string | undefined): void {
    if (this.selected) this.devices.get(this.selected)?.g.classList.remove('selected');
    this.selected = name;
    const d = name ? this.devices.get(name) : undefined;
    if (d) {
      d.g.classList.add('selected');
      this.devicesRoot.append(d.g); // draw on top
    }
    this.placeRing();
  }

  zoomBy(factor: number, cx = this.width / 2, cy = this.height / 2): void {
    this.userMoved = true;
    const next = Math.min(
      this.fitZoom * MAX_ZOOM_FACTOR,
      Math.max(this.fitZoom * MIN_ZOOM_FACTOR, this.zoom * factor),
    );
    const k = next / this.zoom;
    this.tx = cx - (cx - this.tx) * k;
    this.ty = cy - (cy - this.ty) * k;
    this.zoom = next;
    this.requestView();
  }

  fit(): void {
    if (this.width === 0 || this.height === 0) return;
    // Room at the top for the map's name and layer switch, and a margin elsewhere.
    const [top, side] = [60, 24];
    const height = this.height - top - side;
    this.fitZoom = Math.max(
      1e-6,
      Math.min((this.width - side * 2) / this.map.width, height / this.map.height),
    );
    this.zoom = this.fitZoom;
    this.tx = (this.width - this.map.width * this.zoom) / 2;
    this.ty = top + (height - this.map.height * this.zoom) / 2;
    this.fitted = true;
    this.userMoved = false;
    this.requestView();
  }

  project = (x: number, y: number): [number, number] => [
    x * this.zoom + this.tx,
    (this.map.height - y) * this.zoom + this.ty,
  ];

  // --- devices ---------------------------------------------------------------------------------------

  private labelsWanted(): boolean {
    return this.showLabels && this.nodes.size <= LABEL_LIMIT;
  }

  private updateDevice(name: string, node: KubeObject): void {
    let d = this.devices.get(name);
    if (!d) {
      const use = svg('use', { class: 'device-shape' });
      const title = svg('title');
      const g = svg('g', { class: 'device', 'data-node': name }, use, title);
      d = {
        g,
        use,
        title,
        label: undefined,
        state: '',
        cls: '',
        x: Number.NaN,
        y: Number.NaN,
        placed: false,
      };
      this.devices.set(name, d);
      this.devicesRoot.append(g);
    }
    const state = deviceState(node);
    if (state !== d.state) {
      d.state = state;
      d.g.setAttribute('data-state', state);
    }
    const cls = deviceClass(node);
    if (cls !== d.cls) {
      d.cls = cls;
      d.use.setAttribute('href', `#shape-${cls}`);
      d.g.setAttribute('data-class', cls);
    }
    const q = linkQuality(node);
    const title = `${name} · ${cls} · ${stateInfo(state).label}${q === undefined ? '' : ` · link ${Math.round(q)}%`}`;
    if (d.title.textContent !== title) d.title.textContent = title;
    const p = position(node);
    if (!p) {
      if (d.placed) d.g.setAttribute('visibility', 'hidden');
      d.placed = false;
      return;
    }
    if (!d.placed) d.g.removeAttribute('visibility');
    d.placed = true;
    if (p.x !== d.x || p.y !== d.y) {
      d.x = p.x;
      d.y = p.y;
      this.place(d);
    }
    this.updateLabel(name);
  }

  private updateLabel(name: string): void {
    const d = this.devices.get(name);
    if (!d) return;
    const want = this.labelsWanted() || name === this.selected;
    if (want && !d.label) {
      d.label = svg('text', { class: 'device-label', x: 10, y: 4 }, name);
      d.g.append(d.label);
    } else if (!want && d.label) {
      d.label.remove();
      d.label = undefined;
    }
  }

  private place(d: DeviceEl): void {
    const [px, py] = this.project(d.x, d.y);
    d.g.setAttribute('transform', `translate(${px.toFixed(1)} ${py.toFixed(1)})`);
  }

  private removeDevice(name: string): void {
    const d = this.devices.get(name);
    if (!d) return;
    d.g.remove();
    this.devices.delete(name);
  }

  private placeRing(): void {
    const d = this.selected ? this.devices.get(this.selected) : undefined;
    if (!d?.placed) {
      this.ring.setAttribute('visibility', 'hidden');
      return;
    }
    const [px, py] = this.project(d.x, d.y);
    this.ring.setAttribute('cx', px.toFixed(1));
    this.ring.setAttribute('cy', py.toFixed(1));
    this.ring.removeAttribute('visibility');
    if (d.label === undefined) this.updateLabel(d.g.dataset.node!);
  }

  // --- view (pan, zoom, size) ------------------------------------------------------------------------

  private measure(): void {
    const box = this.el.getBoundingClientRect();
    if (box.width === this.width && box.height === this.height && this.fitted) return;
    const [dw, dh] = [box.width - this.width, box.height - this.height];
    this.width = box.width;
    this.height = box.height;
    if (!this.fitted || !this.userMoved) {
      this.fit();
      return;
    }
    // Keep what the user looks at in the middle.
    this.tx += dw / 2;
    this.ty += dh / 2;
    this.requestView();
  }

  private requestView(): void {
    if (this.viewDirty) return;
    this.viewDirty = true;
    requestAnimationFrame(() => {
      this.viewDirty = false;
      this.applyView();
    });
  }

  private applyView(): void {
    const z = this.zoom;
    this.world.setAttribute('transform', `matrix(${z} 0 0 ${z} ${this.tx} ${this.ty})`);
    for (const g of this.stations.children) {
      const s = this.map.stations.find((st) => st.name === (g as SVGGElement).dataset.station);
      if (!s) continue;
      const [px, py] = this.project(s.x, s.y);
      g.setAttribute('transform', `translate(${px.toFixed(1)} ${py.toFixed(1)})`);
    }
    for (const d of this.devices.values()) if (d.placed) this.place(d);
    this.placeRing();
    this.renderLayers(undefined);
  }

  private renderLayers(changed: ReadonlySet<string> | undefined): void {
    if (this.layers.length === 0) return;
    const view: MapLayerView = {
      nodes: [...this.nodes.values()],
      changed,
      map: this.map,
      project: this.project,
      position,
      scale: this.zoom,
    };
    for (const layer of this.layers) {
      const g = this.layerGroups.get(layer);
      if (!g || this.hiddenLayers.has(layer.id)) continue;
      try {
        layer.render(g, view);
      } catch (err) {
        console.error(`dashboard: map layer ${layer.id} failed`, err);
      }
    }
  }

  private attachInput(): void {
    let drag: { x: number; y: number; tx: number; ty: number; moved: boolean; id: number } | undefined;
    this.el.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      drag = { x: e.clientX, y: e.clientY, tx: this.tx, ty: this.ty, moved: false, id: e.pointerId };
    });
    this.el.addEventListener('pointermove', (e) => {
      if (!drag || e.pointerId !== drag.id) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) < 4) return;
      if (!drag.moved) this.el.setPointerCapture(e.pointerId);
      drag.moved = true;
      this.userMoved = true;
      this.el.classList.add('panning');
      this.tx = drag.tx + dx;
      this.ty = drag.ty + dy;
      this.requestView();
    });
    const end = (e: PointerEvent) => {
      if (!drag || e.pointerId !== drag.id) return;
      const wasDrag = drag.moved;
      drag = undefined;
      this.el.classList.remove('panning');
      if (wasDrag) return;
      const target = (e.target as Element).closest?.('[data-node]');
      this.options.onSelect(target ? (target as SVGGElement).dataset.node : undefined);
    };
    this.el.addEventListener('pointerup', end);
    this.el.addEventListener('pointercancel', () => {
      drag = undefined;
    });
    this.el.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const box = this.el.getBoundingClientRect();
        this.zoomBy(Math.exp(-e.deltaY * 0.0015), e.clientX - box.left, e.clientY - box.top);
      },
      { passive: false },
    );
  }
}
