/**
 * Label and field selectors as Kubernetes parses them: `a=b,c!=d,e in (x,y),f notin (z),g,!h`
 * for labels; `a=b,c!=d` (and `==`) for fields. Parse once per request, match many times.
 */
import { badRequest } from '../../api/errors.js';

export type LabelRequirement =
  | { key: string; op: 'in'; values: string[] }
  | { key: string; op: 'notin'; values: string[] }
  | { key: string; op: 'exists' }
  | { key: string; op: '!exists' };

export type LabelSelector = LabelRequirement[];

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export type FieldSelector = FieldRequirement[];

const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export function parseLabelSelector(text: string | undefined | null): LabelSelector {
  if (!text?.trim()) return [];
  const requirements: LabelSelector = [];
  for (const term of splitTopLevel(text)) {
    requirements.push(parseLabelTerm(term.trim(), text));
  }
  return requirements;
}

function parseLabelTerm(term: string, whole: string): LabelRequirement {
  const setMatch = /^(\S+)\s+(in|notin)\s*\((.*)\)$/.exec(term);
  if (setMatch) {
    const [, key, op, list] = setMatch;
    const values = list!.split(',').map((v) => v.trim());
    checkKey(key!, whole);
    for (const v of values) checkValue(v, whole);
    return { key: key!, op: op as 'in' | 'notin', values };
  }
  const eqMatch = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(term);
  if (eqMatch) {
    const [, key, op, value] = eqMatch;
    checkKey(key!, whole);
    checkValue(value!, whole);
    return op === '!='
      ? { key: key!, op: 'notin', values: [value!] }
      : { key: key!, op: 'in', values: [value!] };
  }
  if (term.startsWith('!')) {
    const key = term.slice(1).trim();
    checkKey(key, whole);
    return { key, op: '!exists' };
  }
  checkKey(term, whole);
  return { key: term, op: 'exists' };
}

function checkKey(key: string, whole: string): void {
  if (!LABEL_KEY.test(key) || key.length > 317) {
    throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${whole}"`);
  }
}

function checkValue(value: string, whole: string): void {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    throw badRequest(`unable to parse requirement: invalid label value "${value}" in selector "${whole}"`);
  }
}

/** Splits on commas that are not inside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts.filter((p) => p.trim() !== '');
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  for (const req of selector) {
    const value = labels?.[req.key];
    switch (req.op) {
      case 'in':
        if (value === undefined || !req.values.includes(value)) return false;
        break;
      case 'notin':
        if (value !== undefined && req.values.includes(value)) return false;
        break;
      case 'exists':
        if (value === undefined) return false;
        break;
      case '!exists':
        if (value !== undefined) return false;
        break;
    }
  }
  return true;
}

/** A metav1.LabelSelector ({matchLabels, matchExpressions}) as requirements. */
export function fromLabelSelectorObject(selector: {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}): LabelSelector {
  const reqs: LabelSelector = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {}))
    reqs.push({ key, op: 'in', values: [value] });
  for (const expr of selector.matchExpressions ?? []) {
    const op = expr.operator;
    if (op === 'In') reqs.push({ key: expr.key, op: 'in', values: expr.values ?? [] });
    else if (op === 'NotIn') reqs.push({ key: expr.key, op: 'notin', values: expr.values ?? [] });
    else if (op === 'Exists') reqs.push({ key: expr.key, op: 'exists' });
    else if (op === 'DoesNotExist') reqs.push({ key: expr.key, op: '!exists' });
    else throw badRequest(`"${op}" is not a valid label selector operator`);
  }
  return reqs;
}

export function parseFieldSelector(text: string | undefined | null): FieldSelector {
  if (!text?.trim()) return [];
  return text
    .split(',')
    .filter((t) => t.trim() !== '')
    .map((term) => {
      const match = /^\s*([^=!\s]+)\s*(==|=|!=)\s*(.*?)\s*$/.exec(term);
      if (!match)
        throw badRequest(`invalid field selector: "${text}": every term must be field=value or field!=value`);
      const [, field, op, value] = match;
      return { field: field!, op: op === '!=' ? '!=' : '=', value: value! };
    });
}

export function matchesFields(
  selector: FieldSelector,
  fieldValue: (field: string) => string | undefined,
): boolean {
  for (const req of selector) {
    const actual = fieldValue(req.field) ?? '';
    if (req.op === '=' ? actual !== req.value : actual === req.value) return false;
  }
  return true;
}
