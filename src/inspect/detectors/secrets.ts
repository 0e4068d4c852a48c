// Credentials found from literal anchors (key prefixes, PEM armour, assignment keywords).
import { AnchorFlag as F, AnchorKind as K, Charset as C, type AnchorSpec, type DetectorDef } from './types.js';

const tokens = (prefixes: string[], charset: number, min: number, max: number, flags: number = F.mixed): AnchorSpec[] =>
  prefixes.map((text) => ({ text, kind: K.token, charset, min, max, flags }));

export const awsAccessKey: DetectorDef = {
  id: 'aws_access_key',
  type: 'aws_access_key',
  description: 'AWS access key ids (AKIA/ASIA/… + 16 upper-case alphanumerics)',
  maxLength: 20,
  priority: 14,
  anchors: tokens(['AKIA', 'ASIA', 'AGPA', 'AIDA', 'AROA', 'AIPA', 'ANPA', 'ANVA', 'ABIA', 'ACCA'], C.upperDigit, 16, 16, 0),
  mask: 'secret',
  keep: 4,
};

export const awsSecretKey: DetectorDef = {
  id: 'aws_secret_key',
  type: 'aws_secret_key',
  description: 'AWS secret access keys (40 base64 characters assigned to an aws_secret…/SecretAccessKey key)',
  maxLength: 200,
  priority: 16,
  anchors: ['aws_secret', 'secretaccesskey'].map((text) => ({
    text,
    kind: K.assign,
    charset: C.base64,
    min: 40,
    max: 40,
    flags: F.caseInsensitive | F.entropy,
  })),
  mask: 'password',
};

export const openaiKey: DetectorDef = {
  id: 'openai_key',
  type: 'openai_key',
  description: 'OpenAI API keys (sk-…, sk-proj-…)',
  maxLength: 260,
  priority: 18,
  anchors: tokens(['sk-'], C.base64url, 20, 250),
  mask: 'secret',
  keep: 3,
};

export const anthropicKey: DetectorDef = {
  id: 'anthropic_key',
  type: 'anthropic_key',
  description: 'Anthropic API keys (sk-ant-…)',
  maxLength: 260,
  // Ranks above openai_key: every sk-ant- key also has the shape of an sk- key.
  priority: 17,
  anchors: tokens(['sk-ant-'], C.base64url, 20, 250),
  mask: 'secret',
  keep: 7,
};

export const githubToken: DetectorDef = {
  id: 'github_token',
  type: 'github_token',
  description: 'GitHub tokens (ghp_/gho_/ghu_/ghs_/ghr_ and github_pat_)',
  maxLength: 270,
  priority: 22,
  anchors: [...tokens(['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'], C.alnum, 30, 255), ...tokens(['github_pat_'], C.word, 22, 255)],
  mask: 'secret',
  keep: 4,
};

export const slackToken: DetectorDef = {
  id: 'slack_token',
  type: 'slack_token',
  description: 'Slack tokens (xoxb-/xoxp-/xoxa-/xoxr-/xoxs-/xoxe-)',
  maxLength: 260,
  priority: 24,
  anchors: tokens(['xoxb-', 'xoxp-', 'xoxa-', 'xoxr-', 'xoxs-', 'xoxe-'], C.alnumDash, 10, 250),
  mask: 'secret',
  keep: 5,
};

export const stripeKey: DetectorDef = {
  id: 'stripe_key',
  type: 'stripe_key',
  description: 'Stripe secret and restricted keys (sk_live_/sk_test_/rk_live_/rk_test_)',
  maxLength: 260,
  priority: 26,
  anchors: tokens(['sk_live_', 'sk_test_', 'rk_live_', 'rk_test_'], C.alnum, 10, 250),
  mask: 'secret',
  keep: 8,
};

export const googleApiKey: DetectorDef = {
  id: 'google_api_key',
  type: 'google_api_key',
  description: 'Google API keys (AIza + 35 characters)',
  maxLength: 39,
  priority: 28,
  anchors: tokens(['AIza'], C.base64url, 35, 35, 0),
  mask: 'secret',
  keep: 4,
};

export const jwt: DetectorDef = {
  id: 'jwt',
  type: 'jwt',
  description: 'JSON Web Tokens (eyJ… header.payload.signature)',
  maxLength: 8192,
  priority: 30,
  anchors: [{ text: 'eyJ', kind: K.jwt, max: 8192 }],
  mask: 'secret',
  keep: 3,
};

export const privateKey: DetectorDef = {
  id: 'private_key',
  type: 'private_key',
  description: 'PEM private keys (RSA, EC, DSA, OpenSSH, PKCS#8, encrypted, PGP)',
  maxLength: 8192,
  priority: 32,
  anchors: [{ text: '-----BEGIN', kind: K.pem, max: 8192 }],
  mask: 'pem',
};

export const passwordAssignment: DetectorDef = {
  id: 'password_assignment',
  type: 'password',
  description: 'Values assigned to password/secret/api-key/token keys (key=value, key: "value", JSON members)',
  maxLength: 400,
  priority: 34,
  anchors: ['password', 'passwd', 'pwd', 'passphrase', 'secret', 'api_key', 'apikey', 'api-key', 'access_token', 'auth_token', 'refresh_token', 'api_token'].map(
    (text) => ({ text, kind: K.assign, charset: C.any, min: 4, max: 256, flags: F.caseInsensitive }),
  ),
  mask: 'password',
};
