// audit.sinks / audit.postgres: the messages of the schema, and the defaults.
import { describe, expect, it } from 'vitest';
import { parseConfig, ConfigError } from '../../../src/config/load.js';

const minimal = `
connections:
  - name: openai
    provider: openai
    baseUrl: http://127.0.0.1:9/v1
    credential: k
`;

function problems(audit: string): string[] {
  try {
    parseConfig(`${minimal}audit:\n${audit}`, '/etc/sluice.yaml', {});
    return [];
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
}

describe('audit.sinks and audit.postgres', () => {
  it('defaults to the files alone', () => {
    const { config } = parseConfig(minimal, '/x.yaml', {});
    expect(config.audit.sinks).toEqual(['file']);
    expect(config.audit.postgres).toBeUndefined();
  });

  it('fills the postgres defaults', () => {
    const { config } = parseConfig(`${minimal}audit:\n  sinks: [file, postgres]\n  postgres:\n    url: postgres://db/sluice\n`, '/x.yaml', {});
    expect(config.audit.postgres).toEqual({ url: 'postgres://db/sluice', table: 'sluice_audit', batchMaxRecords: 500, batchMaxMs: 200, retentionDays: 0 });
  });

  it.each([
    ['  sinks: [postgres]\n  postgres:\n    url: postgres://db/x\n', 'must include file (the local files are the durability point)'],
    ['  sinks: [file, postgres]\n', 'is required when sinks lists postgres'],
    ['  sinks: [file, kafka]\n', 'expected one of: file, postgres'],
    ['  postgres:\n    url: postgres://db/x\n    table: Audit-Log\n', 'expected a lower-case SQL identifier'],
    ['  postgres:\n    url: postgres://db/x\n    batchMaxRecords: 0\n', 'batchMaxRecords'],
    ['  instance: "gw 1"\n', '1-128 characters of A-Z a-z 0-9 . _ : -'],
  ])('refuses %j', (audit, message) => {
    expect(problems(audit).join('\n')).toContain(message);
  });
});
