// Auth failures as coded errors. Messages are fixed strings: they never echo the token, its claims
// or the underlying library's text (which may quote claim values).
import { errors as jose } from 'jose';
import { SluiceError, type ErrorCode } from '../errors.js';

type AuthCode = Extract<ErrorCode, `SLUICE_AUTH_${string}`>;

const MESSAGES: Record<AuthCode, string> = {
  SLUICE_AUTH_MISSING: 'Missing credential: send Authorization: Bearer <token> or x-api-key',
  SLUICE_AUTH_INVALID: 'Invalid credential',
  SLUICE_AUTH_EXPIRED: 'Token has expired',
  SLUICE_AUTH_NOT_YET_VALID: 'Token is not valid yet',
  SLUICE_AUTH_BAD_SIGNATURE: 'Token signature is invalid',
  SLUICE_AUTH_UNKNOWN_ISSUER: 'Token issuer is not trusted',
  SLUICE_AUTH_WRONG_AUDIENCE: 'Token audience is not accepted',
  SLUICE_AUTH_UNKNOWN_KEY: 'Key not recognised',
  SLUICE_AUTH_ALG_NOT_ALLOWED: 'Token algorithm is not allowed',
  SLUICE_AUTH_UNAVAILABLE: 'Identity provider keys are unavailable; retry shortly',
};

/** `reason` is a short internal tag for logs (a jose error code at most), never token content. */
export function authFailure(code: AuthCode, reason?: string): SluiceError {
  return new SluiceError(code, MESSAGES[code], reason === undefined ? {} : { cause: reason });
}

/** The identity provider's keys could not be fetched: not the caller's fault, so not a 401. */
export class KeysUnavailable extends Error {
  constructor(readonly reason: string) {
    super('Identity provider keys are unavailable');
    this.name = 'KeysUnavailable';
  }
}

/** Maps anything thrown while verifying a JWT to a SluiceError. Unknown errors fail closed as invalid. */
export function fromVerifyError(err: unknown): SluiceError {
  if (err instanceof SluiceError) return err;
  if (err instanceof KeysUnavailable) {
    return new SluiceError('SLUICE_AUTH_UNAVAILABLE', err.message, { cause: err.reason, headers: { 'retry-after': '5' } });
  }
  if (err instanceof jose.JWTExpired) return authFailure('SLUICE_AUTH_EXPIRED', err.code);
  if (err instanceof jose.JWTClaimValidationFailed) return authFailure(claimCode(err.claim, err.reason), `${err.code}:${err.claim}`);
  if (err instanceof jose.JWSSignatureVerificationFailed) return authFailure('SLUICE_AUTH_BAD_SIGNATURE', err.code);
  if (err instanceof jose.JWKSNoMatchingKey || err instanceof jose.JWKSMultipleMatchingKeys) return authFailure('SLUICE_AUTH_UNKNOWN_KEY', err.code);
  if (err instanceof jose.JOSEAlgNotAllowed || err instanceof jose.JOSENotSupported) return authFailure('SLUICE_AUTH_ALG_NOT_ALLOWED', err.code);
  if (err instanceof jose.JOSEError) return authFailure('SLUICE_AUTH_INVALID', err.code);
  return authFailure('SLUICE_AUTH_INVALID', err instanceof Error ? err.name : 'unknown');
}

function claimCode(claim: string, reason: string): AuthCode {
  if (reason === 'missing') return 'SLUICE_AUTH_INVALID';
  if (claim === 'nbf') return 'SLUICE_AUTH_NOT_YET_VALID';
  if (claim === 'aud') return 'SLUICE_AUTH_WRONG_AUDIENCE';
  if (claim === 'iss') return 'SLUICE_AUTH_UNKNOWN_ISSUER';
  return 'SLUICE_AUTH_INVALID';
}
