/**
 * Trust on first use, pinned: before sending any credential, connect to the hub without verifying
 * it, read the certificate chain it presents, and accept only a CA whose public key hashes to
 * --ca-cert-hash and which signed the hub's serving certificate. From then on that CA is the only
 * trust anchor.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { connect, type DetailedPeerCertificate } from 'node:tls';
import { describeNetworkError } from '../../client/errors.js';
import { AgentError } from '../errors.js';

const PIN_FORMAT = /^sha256:[0-9a-f]{64}$/;

/** kubeadm's pin: sha256 over the DER SubjectPublicKeyInfo of the certificate. */
export function publicKeyPin(certificate: X509Certificate): string {
  const spki = certificate.publicKey.export({ type: 'spki', format: 'der' });
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

export function normalizePin(pin: string): string {
  const normalized = pin.trim().toLowerCase();
  if (!PIN_FORMAT.test(normalized)) {
    throw new AgentError(
      `--ca-cert-hash must look like sha256:<64 hex digits>, got "${pin}": copy it from the output of "minato up"`,
    );
  }
  return normalized;
}

/**
 * Decides from a presented chain (leaf first) which CA to trust. Pure, so tests can feed it chains
 * built with src/pki. Returns the CA certificate as PEM or throws an AgentError that says why.
 */
export function selectPinnedCa(chain: X509Certificate[], pin: string): string {
  const expected = normalizePin(pin);
  if (chain.length === 0) throw new AgentError('the hub presented no certificate at all');
  const leaf = chain[0]!;
  const candidates = chain.length > 1 ? chain.slice(1) : chain;
  const match = chain.find((cert) => publicKeyPin(cert) === expected);
  if (!match) {
    const presented = [...new Set(candidates.map(publicKeyPin))].join(', ');
    throw new AgentError(
      `the hub's CA does not match --ca-cert-hash (expected ${expected}, the hub presented ${presented}): check the hash printed by "minato up"`,
    );
  }
  if (!match.ca) {
    throw new AgentError(
      `the certificate matching --ca-cert-hash (${match.subject.replace(/\n/g, ', ')}) is not a CA certificate`,
    );
  }
  if (match !== leaf && !(leaf.checkIssued(match) && leaf.verify(match.publicKey))) {
    throw new AgentError(
      `the hub's serving certificate was not signed by the CA matching --ca-cert-hash (${expected}); refusing to trust it`,
    );
  }
  if (Date.parse(match.validTo) < Date.now()) {
    throw new AgentError(`the hub's CA certificate expired on ${match.validTo}`);
  }
  return match.toString();
}

/** Connects once without verification and returns the chain the hub presents (leaf first). */
export function fetchPresentedChain(server: string, timeoutMs = 15_000): Promise<X509Certificate[]> {
  const url = new URL(server);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port,
      // Verification happens below, against the pin; nothing secret is sent on this connection.
      rejectUnauthorized: false,
      ...(isIP(host) ? {} : { servername: host }),
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new AgentError(`cannot reach the hub at ${url.origin}: no TLS handshake within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      try {
        resolve(chainOf(socket.getPeerCertificate(true)));
      } catch (err) {
        reject(err);
      } finally {
        socket.end();
      }
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(new AgentError(`cannot reach the hub at ${url.origin}: ${describeNetworkError(err).reason}`));
    });
  });
}

function chainOf(peer: DetailedPeerCertificate): X509Certificate[] {
  const chain: X509Certificate[] = [];
  const seen = new Set<string>();
  let current: DetailedPeerCertificate | undefined = peer;
  while (current?.raw && !seen.has(current.fingerprint256)) {
    seen.add(current.fingerprint256);
    chain.push(new X509Certificate(current.raw));
    current = current.issuerCertificate;
  }
  return chain;
}

/** Connects, reads the chain and returns the pinned CA's PEM. */
export async function discoverPinnedCa(server: string, pin: string, timeoutMs?: number): Promise<string> {
  normalizePin(pin);
  return selectPinnedCa(await fetchPresentedChain(server, timeoutMs), pin);
}
