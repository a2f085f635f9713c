/**
 * Edits on YAML text as the hub renders it (two-space indentation). Managed fields are noise when
 * editing by hand; the hub keeps them when an update omits them, so the editor hides them.
 */

/** Removes `metadata.managedFields` (the key line and everything indented under it). */
export function withoutManagedFields(yaml: string): string {
  const lines = yaml.split('\n');
  const out: string[] = [];
  let inMetadata = false;
  let skipping = false;
  for (const line of lines) {
    const indent = line.length - line.trimStart().length;
    if (skipping) {
      if (line.trim() === '' || indent > 2) continue;
      skipping = false;
    }
    if (indent === 0 && line.trim() !== '') inMetadata = line.startsWith('metadata:');
    if (inMetadata && indent === 2 && line.startsWith('  managedFields:')) {
      skipping = true;
      continue;
    }
    out.push(line);
  }
  return out.join('\n');
}
