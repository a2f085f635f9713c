/**
 * Printers for kinds the control plane itself runs on: Lease (coordination.k8s.io),
 * CertificateSigningRequest (certificates.k8s.io), CustomResourceDefinition (apiextensions.k8s.io)
 * and RuntimeClass (node.k8s.io).
 */
import { createdAtPrinter } from './default.js';
import { age, humanDuration } from './duration.js';
import { ageColumn, asArray, asRecord, asString, column, nameColumn } from './format.js';
import type { TablePrinter } from './types.js';

export const leasePrinter: TablePrinter = {
  columns: [nameColumn, column('Holder', 'string', 'Identity currently holding the lease.'), ageColumn],
  cells(lease, now) {
    return [
      lease.metadata.name ?? '',
      asString(asRecord(lease.spec).holderIdentity),
      age(lease.metadata.creationTimestamp, now),
    ];
  },
};

/** "Approved,Issued", "Denied", "Pending,Failed"…: the decision first, then what happened after. */
export function csrCondition(status: unknown): string {
  const s = asRecord(status);
  const types = new Set(asArray(s.conditions).map((c) => asRecord(c).type));
  let text = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) text += ',Failed';
  if (asString(s.certificate) !== '') text += ',Issued';
  return text;
}

export const certificateSigningRequestPrinter: TablePrinter = {
  columns: [
    nameColumn,
    ageColumn,
    column('SignerName', 'string', 'Signer asked to issue the certificate.'),
    column('Requestor', 'string', 'User who created the request.'),
    column('RequestedDuration', 'string', 'Validity the requestor asked for.'),
    column('Condition', 'string', 'Approval state and whether a certificate was issued.'),
  ],
  cells(csr, now) {
    const spec = asRecord(csr.spec);
    const seconds = spec.expirationSeconds;
    return [
      csr.metadata.name ?? '',
      age(csr.metadata.creationTimestamp, now),
      asString(spec.signerName) || '<none>',
      asString(spec.username),
      typeof seconds === 'number' ? humanDuration(Math.trunc(seconds) * 1000) : '<none>',
      csrCondition(csr.status),
    ];
  },
};

export const customResourceDefinitionPrinter: TablePrinter = createdAtPrinter;

export const runtimeClassPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Handler', 'string', 'Runtime handler the node agent runs pods with.'),
    ageColumn,
  ],
  cells(rc, now) {
    return [rc.metadata.name ?? '', asString(rc.handler), age(rc.metadata.creationTimestamp, now)];
  },
};
