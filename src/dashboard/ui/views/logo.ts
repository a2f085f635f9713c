/** Minato's mark: a harbour basin with a breakwater and a vessel at its berth. */
import { svg } from '../dom.js';

export function logo(size = 28): SVGSVGElement {
  return svg(
    'svg',
    { class: 'logo', width: size, height: size, viewBox: '0 0 32 32', 'aria-hidden': 'true' },
    svg('rect', { x: 1, y: 1, width: 30, height: 30, rx: 8, class: 'logo-bg' }),
    svg('path', { d: 'M7 21 C11 17.5 15 17.5 19 21 S27 24.5 27 21', class: 'logo-wave' }),
    svg('path', { d: 'M9 9 H23 V14 H9 Z', class: 'logo-ship' }),
    svg('path', { d: 'M12 14 L14 17 H18 L20 14', class: 'logo-hull' }),
  );
}
