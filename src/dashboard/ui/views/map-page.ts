/**
 * The fleet map page: the area and its base stations with coverage, every device coloured by state,
 * a legend with live counts (click a state to single it out), layer switches (plugins add layers),
 * and the details of the selected device beside it.
 */
import type { View } from '../app.js';
import { h, replace, setText, svg } from '../dom.js';
import { plural } from '../model/format.js';
import { fallbackMap, MAP_KEY, MAP_NAME, MAP_NAMESPACE, mapFromConfigMap } from '../model/map-config.js';
import { type DeviceState, position, STATES } from '../model/node-state.js';
import { MapCanvas } from './map-canvas.js';
import { nodeDetails } from './node-details.js';
import { Drawer, errorBox } from './widgets.js';

export const mapPage: View = (el, app, params) => {
  const { fleet } = app;
  let selected: string | undefined;
  let details: ReturnType<typeof nodeDetails> | undefined;
  let focus: DeviceState | undefined;

  const canvas = new MapCanvas({
    onSelect: (name) => app.navigate(name ? `/map?node=${encodeURIComponent(name)}` : '/map'),
  });
  const drawer = new Drawer(() => app.navigate('/map'));
  const counts = new Map<DeviceState, HTMLElement>();
  const legend = h(
    'div',
    { class: 'legend', role: 'group', 'aria-label': 'Device states' },
    STATES.map((s) => {
      const count = h('span', { class: 'legend-count', 'data-count': s.id }, '0');
      counts.set(s.id, count);
      return h(
        'button',
        {
          type: 'button',
          class: 'legend-item',
          'data-state': s.id,
          title: `${s.help}. Click to single out.`,
          onclick: () => {
            focus = focus === s.id ? undefined : s.id;
            if (focus) canvas.el.dataset.focus = focus;
            else delete canvas.el.dataset.focus;
            for (const b of legend.querySelectorAll<HTMLElement>('.legend-item'))
              b.classList.toggle('active', b.dataset.state === focus);
          },
        },
        h('span', { class: `swatch state-${s.id}` }),
        h('span', { class: 'legend-label' }, s.label),
        count,
      );
    }),
  );
  const unplaced = h('span', { class: 'muted unplaced' });
  const mapName = h('span', { class: 'map-name' });
  const banner = h('div', { class: 'map-banner' });
  const layerMenu = h('div', { class: 'layer-menu' });
  const stage = h(
    'div',
    { class: 'map-stage' },
    canvas.el,
    h(
      'div',
      { class: 'map-controls' },
      h(
        'button',
        {
          type: 'button',
          class: 'icon-btn',
          title: 'Zoom in',
          'aria-label': 'Zoom in',
          onclick: () => canvas.zoomBy(1.5),
        },
        '+',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'icon-btn',
          title: 'Zoom out',
          'aria-label': 'Zoom out',
          onclick: () => canvas.zoomBy(1 / 1.5),
        },
        '−',
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'icon-btn',
          title: 'Fit the map',
          'aria-label': 'Fit the map',
          onclick: () => canvas.fit(),
        },
        '⤢',
      ),
    ),
    h(
      'div',
      { class: 'map-overlay' },
      mapName,
      h('details', { class: 'layers' }, h('summary', { class: 'btn btn-ghost' }, 'Layers'), layerMenu),
    ),
    classLegend(),
    banner,
  );
  replace(
    el,
    h(
      'div',
      { class: 'map-page' },
      h(
        'div',
        { class: 'map-main' },
        h('div', { class: 'toolbar' }, legend, h('span', { class: 'spacer' }), unplaced),
        stage,
      ),
      drawer.el,
    ),
  );

  // Layers: the built-in ones plus whatever plugins registered.
  const layerSwitch = (id: string, title: string, plugin?: string) =>
    h(
      'label',
      { class: 'layer-switch' },
      h('input', {
        type: 'checkbox',
        checked: true,
        'data-layer': id,
        onchange: (e: Event) => canvas.setLayerVisible(id, (e.target as HTMLInputElement).checked),
      }),
      title,
      plugin ? h('span', { class: 'plugin-tag' }, plugin) : null,
    );
  const renderLayerMenu = () => {
    canvas.setLayers(app.plugins.layers.map((l) => l.item));
    replace(
      layerMenu,
      layerSwitch('coverage', 'Station coverage'),
      layerSwitch('roads', 'Roads'),
      layerSwitch('labels', 'Device names (small fleets)'),
      app.plugins.layers.map((l) => layerSwitch(l.item.id, l.item.title, l.plugin)),
    );
  };

  const renderMap = () => {
    const result = mapFromConfigMap(fleet.mapConfigMap());
    if (result?.map) {
      canvas.setMap(result.map);
      setText(mapName, result.map.name);
      banner.replaceChildren();
      return;
    }
    const positions = fleet.nodes
      .values()
      .map(position)
      .filter((p) => p !== undefined);
    canvas.setMap(fallbackMap(positions));
    setText(mapName, 'no map configured');
    replace(
      banner,
      result?.error
        ? h(
            'div',
            { class: 'alert alert-warn' },
            `The map in ${MAP_NAMESPACE}/${MAP_NAME} is not usable: ${result.error}`,
          )
        : h(
            'div',
            { class: 'alert alert-info' },
            `No map yet: create ConfigMap ${MAP_NAMESPACE}/${MAP_NAME} with key "${MAP_KEY}" (see the dashboard README). Devices are placed by their minato.dev/position.`,
          ),
    );
  };

  const renderNodes = (changed: ReadonlySet<string> | undefined) => {
    if (fleet.nodes.state === 'error' && fleet.nodes.error) {
      replace(banner, errorBox(fleet.nodes.error, 'The map needs permission to list and watch nodes.'));
    }
    canvas.update(fleet.nodes.items, changed);
    for (const [state, elCount] of counts) setText(elCount, String(fleet.counts[state]));
    setText(unplaced, fleet.unplaced ? `${plural(fleet.unplaced, 'device')} without a position` : '');
    if (!fleet.mapConfigMap() && changed === undefined) renderMap();
  };

  const select = (name: string | undefined) => {
    if (name === selected) return;
    selected = name;
    canvas.select(name);
    details?.destroy();
    details = undefined;
    if (!name) {
      drawer.close();
      return;
    }
    details = nodeDetails(app, name);
    drawer.open(h('span', { class: 'mono' }, name), details.el);
  };

  const stops = [
    fleet.nodes.onChange((c) => renderNodes(c.reset ? undefined : c.keys)),
    fleet.map.onChange(() => renderMap()),
    app.plugins.onChange(renderLayerMenu),
  ];
  renderLayerMenu();
  renderMap();
  select(params.get('node') ?? undefined);

  return {
    params: (p) => select(p.get('node') ?? undefined),
    destroy() {
      for (const s of stops) s();
      details?.destroy();
      canvas.destroy();
    },
  };
};

/** Which shape is which device class (the shapes the map draws). */
function classLegend(): HTMLElement {
  const shapes: [string, string][] = [
    ['vehicle', 'Vehicle'],
    ['drone', 'Drone'],
    ['robot', 'Robot'],
    ['gateway', 'Gateway'],
  ];
  return h(
    'div',
    { class: 'class-legend', 'aria-label': 'Device classes' },
    shapes.map(([cls, label]) =>
      h(
        'span',
        { class: 'class-legend-item' },
        svg(
          'svg',
          { width: 16, height: 16, viewBox: '-9 -9 18 18', 'aria-hidden': 'true' },
          svg('use', { href: `#shape-${cls}` }),
        ),
        label,
      ),
    ),
  );
}
