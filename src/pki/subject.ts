/**
 * Subject names as Kubernetes reads them: CN is the user name, each O is one group. Names are built
 * from structured values, never from a "CN=..,O=.." string, so a comma or equals sign in a name
 * cannot smuggle in an extra attribute.
 */
import { badRequest } from '../api/errors.js';
import { x509 } from './x509.js';

export const COMMON_NAME = '2.5.4.3';
const ORGANIZATION = '2.5.4.10';

export interface Subject {
  commonName: string;
  organizations: string[];
}

/** One attribute per RDN (O first, then CN), the layout Go's and OpenSSL's tools produce. */
export function buildSubjectName(subject: Subject): x509.Name {
  if (!subject.commonName) throw badRequest('a certificate subject needs a non-empty common name');
  const rdns = [
    ...subject.organizations.map((organization) => ({ [ORGANIZATION]: [organization] })),
    { [COMMON_NAME]: [subject.commonName] },
  ];
  return new x509.Name(rdns);
}

/** Reads CN and O from a parsed name; with several CNs the last wins, as in Go's crypto/x509. */
export function readSubjectName(name: x509.Name): Subject {
  return {
    commonName: name.getField(COMMON_NAME).at(-1) ?? '',
    organizations: name.getField(ORGANIZATION),
  };
}
