/** Subject alternative names: building them from checked input and reading them back. */
import { isIP } from 'node:net';
import { badRequest } from '../api/errors.js';
import { x509 } from './x509.js';

export interface AltNames {
  dnsNames: string[];
  ipAddresses: string[];
  emailAddresses: string[];
  uris: string[];
}

const SAN_OID = '2.5.29.17';

// A host name label set, loose on purpose: node names on devices often contain underscores.
const DNS_NAME = /^(\*\.)?[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*\.?$/i;

export function isDnsName(name: string): boolean {
  return name.length <= 253 && DNS_NAME.test(name);
}

export function checkDnsName(name: string): string {
  if (!isDnsName(name)) throw badRequest(`"${name}" is not a valid DNS name`);
  return name.toLowerCase();
}

export function checkIpAddress(address: string): string {
  if (!isIP(address)) throw badRequest(`"${address}" is not a valid IP address`);
  return address;
}

/** The SAN extension for DNS names and IPs, or none when both lists are empty. */
export function altNamesExtension(dnsNames: string[], ipAddresses: string[]): x509.Extension[] {
  const names: x509.JsonGeneralName[] = [
    ...dnsNames.map((value) => ({ type: 'dns' as const, value: checkDnsName(value) })),
    ...ipAddresses.map((value) => ({ type: 'ip' as const, value: checkIpAddress(value) })),
  ];
  return names.length ? [new x509.SubjectAlternativeNameExtension(names)] : [];
}

/** Copies SANs as they are (a signer forwards what was asked for); unknown kinds are refused. */
export function altNamesExtensionFrom(altNames: AltNames): x509.Extension[] {
  const names: x509.JsonGeneralName[] = [
    ...altNames.dnsNames.map((value) => ({ type: 'dns' as const, value })),
    ...altNames.ipAddresses.map((value) => ({ type: 'ip' as const, value })),
    ...altNames.emailAddresses.map((value) => ({ type: 'email' as const, value })),
    ...altNames.uris.map((value) => ({ type: 'url' as const, value })),
  ];
  return names.length ? [new x509.SubjectAlternativeNameExtension(names)] : [];
}

/** Reads the SANs of a certificate or request; throws a 400 for kinds Kubernetes does not use. */
export function readAltNames(extensions: readonly x509.Extension[]): AltNames {
  const result: AltNames = { dnsNames: [], ipAddresses: [], emailAddresses: [], uris: [] };
  for (const extension of extensions.filter((e) => e.type === SAN_OID)) {
    let names: readonly x509.GeneralName[];
    try {
      names = new x509.SubjectAlternativeNameExtension(extension.rawData).names.items;
    } catch (err) {
      throw badRequest(`unreadable subject alternative names: ${(err as Error).message}`);
    }
    for (const name of names) {
      if (name.type === 'dns') result.dnsNames.push(name.value);
      else if (name.type === 'ip') result.ipAddresses.push(name.value);
      else if (name.type === 'email') result.emailAddresses.push(name.value);
      else if (name.type === 'url') result.uris.push(name.value);
      else throw badRequest(`unsupported subject alternative name of type "${name.type}"`);
    }
  }
  return result;
}
