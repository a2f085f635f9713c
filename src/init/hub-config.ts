/** hub.json in the data dir: how `minato up` starts when no flag says otherwise. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PUBLIC_MODE, writeFileAtomic } from '../common/atomic-file.js';

export interface HubConfig {
  port: number;
  host: string;
  advertise: string[];
}

export const DEFAULT_HUB_CONFIG: HubConfig = { port: 6443, host: '0.0.0.0', advertise: [] };
const FILE = 'hub.json';

export function readHubConfig(dataDir: string): HubConfig | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(dataDir, FILE), 'utf8')) as Partial<HubConfig>;
    return { ...DEFAULT_HUB_CONFIG, ...parsed };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${join(dataDir, FILE)} is not valid JSON (${(err as Error).message}): fix or delete it`);
  }
}

export async function writeHubConfig(dataDir: string, config: HubConfig): Promise<void> {
  await writeFileAtomic(join(dataDir, FILE), `${JSON.stringify(config, null, 2)}\n`, PUBLIC_MODE);
}
