// Ed25519 keys for checkpoint signatures: loading PEMs, signing/verifying with jose, `sluice keys generate`.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CompactSign, compactVerify } from 'jose';
import { SluiceError } from '../errors.js';
import { canonicalize } from './canonical.js';
import type { CheckpointInfo } from './record.js';
import { consoleIo, type CliIo } from './io.js';

/** JWS alg from RFC 9864 (fully specified Ed25519); `EdDSA` is accepted when verifying older signatures. */
const ALG = 'Ed25519';
const encoder = new TextEncoder();

export interface CheckpointSigner {
  kid: string;
  sign(target: { seq: number; hash: string }): Promise<string>;
}

export function checkpointPayload(target: { seq: number; hash: string }): string {
  return canonicalize({ hash: target.hash, seq: target.seq });
}

/** Loads a PKCS8 PEM private key. Synchronous: it runs once at start-up. */
export function loadSigner(pemFile: string): CheckpointSigner {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: readFileSync(pemFile), format: 'pem' });
  } catch (err) {
    throw new SluiceError('SLUICE_INTERNAL', `audit.signingKeyFile ${pemFile} is not a readable PKCS8 PEM key`, { cause: err });
  }
  requireEd25519(key, pemFile);
  const kid = keyId(createPublicKey(key));
  return {
    kid,
    sign: function signCheckpoint(target) {
      return new CompactSign(encoder.encode(checkpointPayload(target))).setProtectedHeader({ alg: ALG, kid }).sign(key);
    },
  };
}

/** Loads a public key from an SPKI PEM (a private PEM also works: its public half is used). */
export function loadPublicKey(pemFile: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: readFileSync(pemFile), format: 'pem' });
  } catch (err) {
    throw new SluiceError('SLUICE_INTERNAL', `${pemFile} is not a readable PEM public key`, { cause: err });
  }
  requireEd25519(key, pemFile);
  return key;
}

function requireEd25519(key: KeyObject, file: string): void {
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new SluiceError('SLUICE_INTERNAL', `${file} holds a ${key.asymmetricKeyType} key; audit checkpoints need Ed25519`);
  }
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url), computed synchronously. */
export function keyId(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const members = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x });
  return createHash('sha256').update(members).digest('base64url');
}

/** Undefined when the checkpoint's signature is valid for its own seq and hash; otherwise what is wrong. */
export async function checkCheckpointSignature(cp: CheckpointInfo, publicKey: KeyObject): Promise<string | undefined> {
  try {
    const { payload } = await compactVerify(cp.jws, publicKey, { algorithms: [ALG, 'EdDSA'] });
    if (new TextDecoder().decode(payload) !== checkpointPayload(cp)) return 'signed payload does not match the checkpoint seq/hash';
    return undefined;
  } catch (err) {
    const code = (err as { code?: string }).code;
    return code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? 'signature does not verify' : `signature unreadable (${code ?? 'invalid'})`;
  }
}

export const KEY_FILES = Object.freeze({ private: 'audit-signing.key.pem', public: 'audit-signing.pub.pem' });

export const USAGE = 'usage: sluice keys generate --out DIR [--force]\n';

/** `sluice keys generate --out DIR [--force]`: writes an Ed25519 key pair as PEM files. */
export async function keysCommand(argv: string[], io: CliIo = consoleIo()): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'generate') {
    io.stderr.write(USAGE);
    return 2;
  }
  let values: { out?: string; force?: boolean };
  try {
    ({ values } = parseArgs({ args: rest, options: { out: { type: 'string' }, force: { type: 'boolean' } } }));
  } catch (err) {
    io.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }
  if (!values.out) {
    io.stderr.write('sluice keys generate: --out DIR is required\n');
    return 2;
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const flag = values.force ? 'w' : 'wx';
  const privPath = join(values.out, KEY_FILES.private);
  const pubPath = join(values.out, KEY_FILES.public);
  try {
    mkdirSync(values.out, { recursive: true, mode: 0o700 });
    writeFileSync(privPath, privateKey.export({ format: 'pem', type: 'pkcs8' }), { flag, mode: 0o600 });
    writeFileSync(pubPath, publicKey.export({ format: 'pem', type: 'spki' }), { flag, mode: 0o644 });
  } catch (err) {
    const exists = (err as { code?: string }).code === 'EEXIST';
    io.stderr.write(exists ? `sluice keys generate: ${values.out} already holds keys (use --force to replace)\n` : `sluice keys generate: ${(err as Error).message}\n`);
    return 1;
  }
  io.stdout.write(`private key: ${privPath}\npublic key:  ${pubPath}\nkid:         ${keyId(publicKey)}\n`);
  return 0;
}
