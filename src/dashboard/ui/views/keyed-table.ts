/**
 * A table whose rows are keyed (namespace/name) and updated in place: a changed object rewrites only
 * its own row's cells, so thousands of pods stay cheap to keep live.
 */
import { h, replace } from '../dom.js';

export interface Column<T> {
  title: string;
  class?: string;
  /** Fills (or refreshes) the cell for an item; called again whenever the item changes. */
  cell(td: HTMLTableCellElement, item: T): void;
}

export interface KeyedTableOptions<T> {
  name: string;
  columns: Column<T>[];
  /** Sort order of rows (default: by key). */
  compare?(a: T, b: T): number;
  filter?(item: T): boolean;
  onSelect?(key: string): void;
  empty: HTMLElement;
}

export class KeyedTable<T> {
  readonly el: HTMLElement;
  private readonly tbody = h('tbody');
  private readonly rows = new Map<string, HTMLTableRowElement>();
  private readonly emptyRow: HTMLElement;
  private selected: string | undefined;

  constructor(private readonly options: KeyedTableOptions<T>) {
    this.emptyRow = h('div', { class: 'table-empty' }, options.empty);
    this.el = h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'table', 'data-table': options.name },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            options.columns.map((c) => h('th', { class: c.class }, c.title)),
          ),
        ),
        this.tbody,
      ),
      this.emptyRow,
    );
  }

  /** Applies the current items; only `changed` keys are re-rendered (all when undefined). */
  update(items: ReadonlyMap<string, T>, changed: ReadonlySet<string> | undefined): void {
    const keys = changed ?? new Set([...items.keys(), ...this.rows.keys()]);
    let structure = changed === undefined;
    for (const key of keys) {
      const item = items.get(key);
      let tr = this.rows.get(key);
      if (!item || (this.options.filter && !this.options.filter(item))) {
        if (tr) {
          tr.remove();
          this.rows.delete(key);
        }
        continue;
      }
      if (!tr) {
        tr = h('tr', { 'data-key': key, class: this.options.onSelect ? 'clickable' : undefined });
        tr.append(...this.options.columns.map((c) => h('td', { class: c.class })));
        if (this.options.onSelect) {
          const select = this.options.onSelect;
          tr.addEventListener('click', (e) => {
            if ((e.target as Element).closest('button, a, select, input')) return;
            select(key);
          });
        }
        this.rows.set(key, tr);
        structure = true;
      }
      const cells = tr.children;
      for (const [i, c] of this.options.columns.entries()) c.cell(cells[i] as HTMLTableCellElement, item);
    }
    if (structure) {
      const order = [...this.rows.keys()].filter((k) => items.has(k));
      const compare = this.options.compare;
      order.sort(
        compare
          ? (a, b) => compare(items.get(a)!, items.get(b)!) || a.localeCompare(b)
          : (a, b) => a.localeCompare(b),
      );
      this.tbody.append(...order.map((k) => this.rows.get(k)!));
    }
    this.emptyRow.hidden = this.rows.size > 0;
    this.markSelected();
  }

  /** Re-evaluates the filter for every item (after the filter changed). */
  refilter(items: ReadonlyMap<string, T>): void {
    this.update(items, undefined);
  }

  select(key: string | undefined): void {
    this.selected = key;
    this.markSelected();
  }

  private markSelected(): void {
    for (const [k, tr] of this.rows) tr.classList.toggle('selected', k === this.selected);
  }
}

/** Sets a cell's content only when its text form changed. */
export function cellText(td: HTMLElement, text: string): void {
  if (td.textContent !== text) td.textContent = text;
}

export function cellContent(td: HTMLElement, key: string, build: () => Node): void {
  if (td.dataset.k === key) return;
  td.dataset.k = key;
  replace(td, build());
}
