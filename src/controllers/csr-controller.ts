import type { KubeObject } from '../api/types.js';
import type { ObjectService } from '../hub/objects/object-service.js';
import { type CertificateAuthority, parseCertificateRequest, signCertificateRequest } from '../pki/index.js';
import { WorkQueue } from './work-queue.js';

export const NODE_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';
const NODE_USAGES = new Set(['digital signature', 'key encipherment', 'client auth']);
const DEFAULT_NODE_CERT_SECONDS = 365 * 24 * 3600;

/**
 * Certificates for devices: auto-approves node client CSRs that a bootstrap token (or the node itself,
 * when renewing) asked for, and signs approved CSRs of the client signers with the cluster CA.
 * Anything else waits for a human (`kubectl certificate approve`).
 */
export class CsrController {
  private readonly queue = new WorkQueue((name) => this.reconcile(name), { workers: 2 });
  private stopWatch: (() => void) | undefined;

  private readonly maxSeconds: number;

  /** `maxCertificateSeconds` caps the lifetime of the certificates this controller signs. */
  constructor(
    private readonly objects: ObjectService,
    private readonly ca: CertificateAuthority,
    maxCertificateSeconds = DEFAULT_NODE_CERT_SECONDS,
  ) {
    this.maxSeconds = maxCertificateSeconds;
  }

  private get type() {
    return this.objects.registry.lookup('certificates.k8s.io', 'v1', 'certificatesigningrequests')!;
  }

  start(): void {
    this.stopWatch = this.objects.watch(this.type, undefined, {}, (event) => {
      if (event.type !== 'DELETED' && !event.object.status?.certificate)
        this.queue.add(event.object.metadata.name!);
    });
  }

  stop(): void {
    this.stopWatch?.();
    this.queue.stop();
  }

  private async reconcile(name: string): Promise<void> {
    const entry = this.objects.store.get(this.objects.keyOf(this.type, undefined, name));
    if (!entry || entry.object.status?.certificate) return;
    const csr = entry.object;
    const conditions: { type: string }[] = csr.status?.conditions ?? [];
    if (conditions.some((c) => c.type === 'Denied' || c.type === 'Failed')) return;
    const approved = conditions.some((c) => c.type === 'Approved');
    if (!approved) {
      const verdict = await this.autoApproval(csr);
      if (verdict) await this.setCondition(name, verdict);
      return;
    }
    if (csr.spec.signerName !== NODE_CLIENT_SIGNER && csr.spec.signerName !== CLIENT_SIGNER) return;
    const pem = Buffer.from(csr.spec.request, 'base64').toString('utf8');
    const seconds = Math.min(Number(csr.spec.expirationSeconds ?? this.maxSeconds), this.maxSeconds);
    const certificate = await signCertificateRequest(this.ca, pem, {
      usages: csr.spec.usages,
      validitySeconds: seconds,
      minimumSeconds: Math.min(600, this.maxSeconds),
    });
    const current = this.objects.store.get(entry.key)!;
    const next = structuredClone(current.object);
    next.status = { ...next.status, certificate: Buffer.from(certificate).toString('base64') };
    await this.objects.commitUpdate(this.type, current, next, {
      subresource: 'status',
      fieldManager: 'csr-signer',
    });
  }

  /** Approve a node's client certificate when the subject is exactly what a node may have. */
  private async autoApproval(
    csr: KubeObject,
  ): Promise<{ type: string; reason: string; message: string } | undefined> {
    if (csr.spec.signerName !== NODE_CLIENT_SIGNER) return undefined;
    const username: string = csr.spec.username ?? '';
    const groups: string[] = csr.spec.groups ?? [];
    let info: Awaited<ReturnType<typeof parseCertificateRequest>>;
    try {
      info = await parseCertificateRequest(Buffer.from(csr.spec.request, 'base64').toString('utf8'));
    } catch (err) {
      return { type: 'Failed', reason: 'BadRequest', message: (err as Error).message };
    }
    const nodeName = info.commonName.startsWith('system:node:')
      ? info.commonName.slice('system:node:'.length)
      : '';
    const subjectOk =
      nodeName !== '' && info.organizations.length === 1 && info.organizations[0] === 'system:nodes';
    const usagesOk =
      (csr.spec.usages as string[]).every((u) => NODE_USAGES.has(u)) &&
      csr.spec.usages.includes('client auth');
    const bootstrapping = groups.includes('system:bootstrappers');
    const renewing = username === info.commonName && groups.includes('system:nodes');
    if (!subjectOk || !usagesOk) {
      return {
        type: 'Denied',
        reason: 'InvalidNodeCSR',
        message: 'a node client certificate must be CN=system:node:<name>, O=system:nodes, client auth only',
      };
    }
    if (bootstrapping || renewing) {
      return {
        type: 'Approved',
        reason: 'AutoApproved',
        message: `Auto approving node client certificate for ${nodeName}`,
      };
    }
    return undefined;
  }

  private async setCondition(
    name: string,
    c: { type: string; reason: string; message: string },
  ): Promise<void> {
    const entry = this.objects.store.get(this.objects.keyOf(this.type, undefined, name))!;
    const next = structuredClone(entry.object);
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    next.status = {
      ...next.status,
      conditions: [
        ...(next.status?.conditions ?? []),
        { ...c, status: 'True', lastUpdateTime: now, lastTransitionTime: now },
      ],
    };
    await this.objects.commitUpdate(this.type, entry, next, {
      subresource: 'approval',
      fieldManager: 'csr-approver',
    });
  }
}
