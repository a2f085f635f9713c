/**
 * A set of field paths stored as a tree, the shape of managedFields' FieldsV1: at each level,
 * `members` are paths that end here (owned themselves) and `children` lead deeper. A path can be
 * both, e.g. a list item owned as a whole and through its fields; FieldsV1 marks that with ".".
 * Set operations follow structured-merge-diff: they act on members level by level, so removing
 * ".spec" leaves ".spec.replicas" alone (use withoutPrefixes for "this and everything below").
 */
import type { JsonObject, JsonValue } from '../../api/types.js';
import {
  compareElements,
  elementToken,
  type FieldPath,
  formatPath,
  type PathElement,
  parseElementToken,
} from './field-path.js';
import { isJsonObject } from './json-value.js';

interface Child {
  readonly element: PathElement;
  readonly set: FieldSet;
}

export class FieldSet {
  private readonly members = new Map<string, PathElement>();
  private readonly children = new Map<string, Child>();

  static of(...paths: FieldPath[]): FieldSet {
    const set = new FieldSet();
    for (const path of paths) set.insert(path);
    return set;
  }

  /** Adds a path (in place: sets are built by inserting, then combined immutably). */
  insert(path: FieldPath): this {
    if (path.length === 0) return this;
    const [head, ...rest] = path as [PathElement, ...PathElement[]];
    const token = elementToken(head);
    if (rest.length === 0) {
      this.members.set(token, head);
    } else {
      let child = this.children.get(token);
      if (!child) {
        child = { element: head, set: new FieldSet() };
        this.children.set(token, child);
      }
      child.set.insert(rest);
    }
    return this;
  }

  has(path: FieldPath): boolean {
    if (path.length === 0) return false;
    const [head, ...rest] = path as [PathElement, ...PathElement[]];
    const token = elementToken(head);
    if (rest.length === 0) return this.members.has(token);
    return this.children.get(token)?.set.has(rest) ?? false;
  }

  isEmpty(): boolean {
    if (this.members.size > 0) return false;
    for (const child of this.children.values()) if (!child.set.isEmpty()) return false;
    return true;
  }

  /** Is `element` itself a member at this level? */
  hasMember(element: PathElement): boolean {
    return this.members.has(elementToken(element));
  }

  /** Everything below `element` (relative paths), or an empty set. */
  childSet(element: PathElement): FieldSet {
    return this.children.get(elementToken(element))?.set ?? new FieldSet();
  }

  /** Members and child elements at this level, each once, in FieldsV1 order. */
  elements(): PathElement[] {
    const all = new Map<string, PathElement>(this.members);
    for (const [token, child] of this.children) if (!child.set.isEmpty()) all.set(token, child.element);
    return [...all.values()].sort(compareElements);
  }

  union(other: FieldSet): FieldSet {
    const out = this.copy();
    for (const [token, element] of other.members) out.members.set(token, element);
    for (const [token, child] of other.children) {
      const mine = out.children.get(token);
      out.children.set(token, {
        element: child.element,
        set: mine ? mine.set.union(child.set) : child.set.copy(),
      });
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [token, element] of this.members)
      if (other.members.has(token)) out.members.set(token, element);
    for (const [token, child] of this.children) {
      const theirs = other.children.get(token);
      if (!theirs) continue;
      const both = child.set.intersection(theirs.set);
      if (!both.isEmpty()) out.children.set(token, { element: child.element, set: both });
    }
    return out;
  }

  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    for (const [token, element] of this.members)
      if (!other.members.has(token)) out.members.set(token, element);
    for (const [token, child] of this.children) {
      const theirs = other.children.get(token);
      const rest = theirs ? child.set.difference(theirs.set) : child.set.copy();
      if (!rest.isEmpty()) out.children.set(token, { element: child.element, set: rest });
    }
    return out;
  }

  /** Drops each prefix and everything beneath it (how reset fields such as status are ignored). */
  withoutPrefixes(prefixes: Iterable<FieldPath>): FieldSet {
    let out = this.copy();
    for (const prefix of prefixes) out = out.withoutPrefix(prefix);
    return out;
  }

  private withoutPrefix(prefix: FieldPath): FieldSet {
    if (prefix.length === 0) return new FieldSet();
    const [head, ...rest] = prefix as [PathElement, ...PathElement[]];
    const token = elementToken(head);
    const out = this.copy();
    if (rest.length === 0) {
      out.members.delete(token);
      out.children.delete(token);
      return out;
    }
    const child = out.children.get(token);
    if (child) {
      const trimmed = child.set.withoutPrefix(rest);
      if (trimmed.isEmpty()) out.children.delete(token);
      else out.children.set(token, { element: child.element, set: trimmed });
    }
    return out;
  }

  equals(other: FieldSet): boolean {
    return this.difference(other).isEmpty() && other.difference(this).isEmpty();
  }

  /** Every path, members of a level before its subtrees, each group in element order. */
  paths(): FieldPath[] {
    const out: FieldPath[] = [];
    const members = [...this.members.values()].sort(compareElements);
    for (const element of members) out.push([element]);
    const children = [...this.children.values()].sort((a, b) => compareElements(a.element, b.element));
    for (const child of children) {
      for (const rest of child.set.paths()) out.push([child.element, ...rest]);
    }
    return out;
  }

  toString(): string {
    return this.paths().map(formatPath).join('\n');
  }

  /** The managedFields[].fieldsV1 document. */
  toFieldsV1(): JsonObject {
    const out: JsonObject = {};
    for (const element of this.elements()) {
      const token = elementToken(element);
      const child = this.children.get(token);
      if (child && !child.set.isEmpty()) {
        const body = child.set.toFieldsV1();
        out[token] = this.members.has(token) ? { '.': {}, ...body } : body;
      } else {
        out[token] = {};
      }
    }
    return out;
  }

  /** Reads a fieldsV1 document; throws a plain Error when it is not one. */
  static fromFieldsV1(fields: JsonValue | undefined): FieldSet {
    const set = new FieldSet();
    if (fields === undefined || fields === null) return set;
    if (!isJsonObject(fields)) throw new Error('fieldsV1 must be an object');
    for (const [token, body] of Object.entries(fields)) {
      if (token === '.') continue; // read by the parent level
      if (!isJsonObject(body)) throw new Error(`fieldsV1 entry ${JSON.stringify(token)} must be an object`);
      const element = parseElementToken(token);
      const canonical = elementToken(element);
      const child = FieldSet.fromFieldsV1(body);
      if (Object.keys(body).length === 0 || Object.hasOwn(body, '.')) set.members.set(canonical, element);
      if (!child.isEmpty()) set.children.set(canonical, { element, set: child });
    }
    return set;
  }

  private copy(): FieldSet {
    const out = new FieldSet();
    for (const [token, element] of this.members) out.members.set(token, element);
    for (const [token, child] of this.children)
      out.children.set(token, { element: child.element, set: child.set.copy() });
    return out;
  }
}
