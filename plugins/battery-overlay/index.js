/**
 * battery-overlay: shows each device's battery, from its `minato.dev/battery` annotation (0–100),
 * - on the fleet map, as a small battery beside every device (a map layer);
 * - in a device's details, as a gauge (a details section for Nodes);
 * - on its own page, the fleet sorted by charge, lowest first (a sidebar entry and a route that use
 *   api.kube.watch, so it stays live).
 * Optional: `minato.dev/battery-charging: "true"` marks a device that is charging.
 *
 * A dashboard plugin is an ES module whose default export receives the plugin API; see
 * src/dashboard/PLUGINS.md in the Minato repository.
 */

const BATTERY = 'minato.dev/battery';
const CHARGING = 'minato.dev/battery-charging';
const SVG_NS = 'http://www.w3.org/2000/svg';

/** @param {{ metadata: { annotations?: Record<string, string> } }} node */
function level(node) {
  const raw = node.metadata.annotations?.[BATTERY];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? Math.max(0, Math.min(100, n)) : undefined;
}

/** @param {number} pct */
function tone(pct) {
  if (pct < 20) return { color: '#dc2626', word: 'critical' };
  if (pct < 50) return { color: '#f59e0b', word: 'low' };
  return { color: '#16a34a', word: 'good' };
}

/**
 * @param {string} tag
 * @param {Record<string, string | number>} [attrs]
 */
function el(tag, attrs = {}) {
  const e = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** One battery glyph per device, kept between renders and keyed by node name. */
const glyphs = new WeakMap();

/**
 * @param {SVGGElement} group
 * @param {import('../../src/dashboard/ui/plugins/api.js').MapLayerView} view
 */
function renderLayer(group, view) {
  let byName = glyphs.get(group);
  if (!byName) {
    byName = new Map();
    glyphs.set(group, byName);
  }
  const seen = new Set();
  for (const node of view.nodes) {
    const name = node.metadata.name;
    const pct = level(node);
    const at = view.position(node);
    if (pct === undefined || !at) continue;
    seen.add(name);
    let g = byName.get(name);
    if (!g) {
      g = el('g', { class: 'battery-glyph', 'data-battery': name });
      g.append(
        el('rect', {
          x: 0,
          y: 0,
          width: 15,
          height: 8,
          rx: 1.5,
          fill: '#fff',
          stroke: '#334155',
          'stroke-width': 1,
        }),
        el('rect', { x: 15, y: 2.5, width: 1.6, height: 3, fill: '#334155' }),
        el('rect', { class: 'fill', x: 1.5, y: 1.5, height: 5, rx: 0.8 }),
      );
      group.append(g);
      byName.set(name, g);
    }
    const [x, y] = view.project(at.x, at.y);
    g.setAttribute('transform', `translate(${(x + 8).toFixed(1)} ${(y - 15).toFixed(1)})`);
    const fill = g.querySelector('.fill');
    fill.setAttribute('width', ((12 * pct) / 100).toFixed(1));
    fill.setAttribute('fill', tone(pct).color);
  }
  for (const [name, g] of byName) {
    if (!seen.has(name)) {
      g.remove();
      byName.delete(name);
    }
  }
}

/**
 * A half-circle gauge with the charge in the middle.
 * @param {HTMLElement} container
 * @param {any} node
 */
function renderGauge(container, node) {
  const pct = level(node);
  container.replaceChildren();
  if (pct === undefined) {
    const p = document.createElement('p');
    p.className = 'muted';
    p.textContent = `This device does not report ${BATTERY}.`;
    container.append(p);
    return;
  }
  const { color, word } = tone(pct);
  const r = 46;
  const length = Math.PI * r;
  const svg = el('svg', {
    viewBox: '0 0 120 70',
    width: 180,
    height: 105,
    role: 'img',
    'aria-label': `Battery ${pct}%`,
  });
  svg.append(
    el('path', {
      d: `M14 62 A${r} ${r} 0 0 1 106 62`,
      fill: 'none',
      stroke: '#e8edf3',
      'stroke-width': 12,
      'stroke-linecap': 'round',
    }),
    el('path', {
      d: `M14 62 A${r} ${r} 0 0 1 106 62`,
      fill: 'none',
      stroke: color,
      'stroke-width': 12,
      'stroke-linecap': 'round',
      'stroke-dasharray': `${((length * pct) / 100).toFixed(1)} ${length.toFixed(1)}`,
    }),
  );
  const text = el('text', {
    x: 60,
    y: 58,
    'text-anchor': 'middle',
    'font-size': 20,
    'font-weight': 700,
    fill: '#16202e',
  });
  text.textContent = `${Math.round(pct)}%`;
  svg.append(text);
  const caption = document.createElement('div');
  caption.className = 'muted small';
  const charging = node.metadata.annotations?.[CHARGING] === 'true';
  caption.textContent = `${word}${charging ? ' · charging' : ''} · from ${BATTERY}`;
  const wrap = document.createElement('div');
  wrap.className = 'battery-gauge';
  wrap.dataset.battery = String(Math.round(pct));
  wrap.style.display = 'flex';
  wrap.style.flexDirection = 'column';
  wrap.style.alignItems = 'center';
  wrap.append(svg, caption);
  container.append(wrap);
}

/**
 * The fleet sorted by charge, live from a watch on nodes.
 * @param {HTMLElement} container
 * @param {import('../../src/dashboard/ui/plugins/api.js').RouteContext} ctx
 */
function renderPage(container, ctx) {
  const nodes = new Map();
  const table = document.createElement('table');
  table.className = 'table';
  table.innerHTML = '<thead><tr><th>Device</th><th>Battery</th><th></th></tr></thead>';
  const tbody = document.createElement('tbody');
  table.append(tbody);
  const wrap = document.createElement('div');
  wrap.className = 'table-wrap';
  wrap.style.margin = '0';
  wrap.append(table);
  container.replaceChildren(wrap);
  const draw = () => {
    const rows = [...nodes.values()]
      .map((n) => ({ name: n.metadata.name, pct: level(n) }))
      .filter((r) => r.pct !== undefined)
      .sort((a, b) => a.pct - b.pct || a.name.localeCompare(b.name));
    tbody.replaceChildren(
      ...rows.map((r) => {
        const tr = document.createElement('tr');
        const name = document.createElement('td');
        const link = document.createElement('a');
        link.href = `#/map?node=${encodeURIComponent(r.name)}`;
        link.className = 'mono';
        link.textContent = r.name;
        name.append(link);
        const bar = document.createElement('td');
        const { color, word } = tone(r.pct);
        bar.innerHTML = `<span class="meter"><span class="meter-track"><span class="meter-fill" style="width:${r.pct}%;background:${color}"></span></span><span class="meter-label">${Math.round(r.pct)}%</span></span>`;
        const status = document.createElement('td');
        status.className = 'muted';
        status.textContent = word;
        tr.append(name, bar, status);
        return tr;
      }),
    );
  };
  let queued = false;
  const stop = ctx.kube.watch('/api/v1/nodes', (event) => {
    if (event.type === 'DELETED') nodes.delete(event.object.metadata.name);
    else nodes.set(event.object.metadata.name, event.object);
    // Many events arrive together (the first list, a busy fleet): draw once per frame.
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      draw();
    });
  });
  return stop;
}

/** @param {import('../../src/dashboard/ui/plugins/api.js').DashboardPluginApi} api */
export default function register(api) {
  api.registerMapLayer({ id: 'battery', title: 'Battery levels', render: renderLayer });
  api.registerDetailsSection({ kind: 'Node', title: 'Battery', render: renderGauge });
  api.registerSidebarEntry({ id: 'battery', label: 'Battery', path: '/battery', icon: '▮' });
  api.registerRoute({ path: '/battery', title: 'Battery levels', render: renderPage });
}
