/** The PKI's public surface; everything else in this folder is an implementation detail. */
export {
  type CertificateAuthority,
  type CertificateAuthorityOptions,
  caCertHash,
  caCertHashMatches,
  createCertificateAuthority,
  loadCertificateAuthority,
} from './ca.js';
export type { CertificateAndKey } from './certificate.js';
export type { CertificateRequestInfo, CertificateRequestOptions } from './csr.js';
export { type CertificateIdentity, identityFromPeerCertificate } from './identity.js';
export {
  type ClientCertificateOptions,
  createCertificateRequest,
  issueClientCertificate,
  issueServingCertificate,
  parseCertificateRequest,
  type ServingCertificateOptions,
  type SignRequestOptions,
  signCertificateRequest,
} from './issue.js';
export {
  ADMIN_KUBECONFIG_FILE,
  CLUSTER_NAME,
  type KubeconfigOptions,
  renderKubeconfig,
  writeAdminKubeconfig,
} from './kubeconfig.js';
export {
  ADMIN_GROUP,
  ADMIN_USER,
  type ClusterPki,
  type ClusterPkiOptions,
  ensureClusterPki,
  PKI_FILES,
  type PkiChange,
  pkiDirectory,
} from './store.js';
