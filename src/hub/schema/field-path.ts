/**
 * Field paths the way Kubernetes prints them in causes: `spec.template.spec.containers[0].image`,
 * map entries as `metadata.labels[app]`. The root is the empty string.
 */

export function childPath(path: string, property: string): string {
  return path ? `${path}.${property}` : property;
}

export function indexPath(path: string, index: number): string {
  return `${path}[${index}]`;
}

export function keyPath(path: string, key: string): string {
  return `${path}[${key}]`;
}
