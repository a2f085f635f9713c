/** `minato node depart|return NAME`: announce that a device is leaving (or back) so it drains gracefully. */
import { type FlagSpec, parseFlags, UsageError } from './args.js';
import { adminConnection, hubRequest } from './hub-api.js';
import { parseDuration } from './token.js';

const DEPART_FLAGS: FlagSpec = {
  'data-dir': { type: 'string', default: './.minato', help: 'the hub data dir (for its admin kubeconfig)' },
  in: { type: 'string', default: '0s', help: 'when the device expects to lose its link, e.g. 30s' },
};

export async function nodeCommand(argv: string[]): Promise<void> {
  const [sub, name, ...rest] = argv;
  if ((sub !== 'depart' && sub !== 'return') || !name || name.startsWith('--')) {
    throw new UsageError(
      'usage: minato node depart NAME [--in 30s] [--data-dir DIR]  |  minato node return NAME [--data-dir DIR]',
    );
  }
  const flags = parseFlags(rest, sub === 'depart' ? DEPART_FLAGS : { 'data-dir': DEPART_FLAGS['data-dir']! });
  const hub = await adminConnection(String(flags['data-dir']));
  const deadline =
    sub === 'depart' ? new Date(Date.now() + parseDuration(String(flags.in)) * 1000).toISOString() : null;
  await hubRequest(
    hub,
    'PATCH',
    `/api/v1/nodes/${encodeURIComponent(name)}`,
    { metadata: { annotations: { 'minato.dev/departing': deadline } } },
    'application/merge-patch+json',
  );
  console.log(
    sub === 'depart'
      ? `node/${name} departing by ${deadline}: cordoned; relocatable pods are being moved (watch: kubectl get pods -o wide -w)`
      : `node/${name} returned: it will be uncordoned`,
  );
}
