/**
 * Graceful departure: before a device leaves range it cordons its own Node and announces a deadline
 * (annotation minato.dev/departing); the hub's lifecycle controller moves relocatable pods away.
 * Return clears the announcement and uncordons, but only if the departure was what cordoned it.
 */
import { AgentError } from '../errors.js';
import type { AgentState } from '../state/agent-state.js';
import { ANNOTATIONS } from './node-object.js';
import type { NodeRegistrar } from './node-registrar.js';

/** "30s", "5m", "1h30m", "250ms", or a bare number of seconds. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = trimmed;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)/.exec(rest);
    if (!m) throw new AgentError(`"${text}" is not a duration; use e.g. 500ms, 2s, 5m or 1h30m`);
    total += Number(m[1]) * units[m[2]!]!;
    rest = rest.slice(m[0].length);
  }
  if (!trimmed) throw new AgentError('an empty duration; use e.g. 500ms, 2s, 5m or 1h30m');
  return total;
}

export class Departure {
  constructor(
    private readonly registrar: NodeRegistrar,
    private readonly state: AgentState,
  ) {}

  get departingUntil(): string | undefined {
    return this.state.getMeta().departingUntil;
  }

  async depart(inMs: number): Promise<{ deadline: string; cordoned: boolean }> {
    const deadline = new Date(Date.now() + inMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const node = this.registrar.node;
    const alreadyCordoned = Boolean(node?.spec?.unschedulable) && !this.state.getMeta().cordonedByAgent;
    const annotations: Record<string, string> = { [ANNOTATIONS.departing]: deadline };
    if (!alreadyCordoned) annotations[ANNOTATIONS.cordonedBy] = 'departure';
    await this.registrar.patch({
      metadata: { annotations },
      ...(alreadyCordoned ? {} : { spec: { unschedulable: true } }),
    });
    await this.state.updateMeta({ departingUntil: deadline, cordonedByAgent: !alreadyCordoned });
    return { deadline, cordoned: !alreadyCordoned };
  }

  async return(): Promise<{ uncordoned: boolean }> {
    const meta = this.state.getMeta();
    const cordonedByUs =
      Boolean(meta.cordonedByAgent) ||
      this.registrar.node?.metadata.annotations?.[ANNOTATIONS.cordonedBy] === 'departure';
    await this.registrar.patch({
      metadata: {
        annotations: {
          [ANNOTATIONS.departing]: null,
          ...(cordonedByUs ? { [ANNOTATIONS.cordonedBy]: null } : {}),
        },
      },
      ...(cordonedByUs ? { spec: { unschedulable: null } } : {}),
    });
    await this.state.updateMeta({ departingUntil: undefined, cordonedByAgent: undefined });
    return { uncordoned: cordonedByUs };
  }
}
