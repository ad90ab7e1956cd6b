// Configuration parsed once from the environment.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os, { availableParallelism } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../server/config';

describe('parseConfig', () => {
  it('defaults PUBLIC_BASE_URL to http://localhost:PORT, auth on, deadline 4000 ms, SQLite at ./data/feedback.db', () => {
    const c = parseConfig({ PORT: '9090' });
    expect(c).toMatchObject({
      port: 9090,
      publicBaseUrl: 'http://localhost:9090',
      sandboxFhirBase: 'http://localhost:9090/fhir',
      cdsAuth: 'on',
      fhirDeadlineMs: 4000,
      feedbackDbPath: './data/feedback.db',
      trustedIssuers: [],
      fhirServerAllowlist: [],
    });
    expect(c.databaseUrl).toBeUndefined();
  });

  it('reads the allowlist as origins and the trusted issuers as JSON', () => {
    const c = parseConfig({
      PUBLIC_BASE_URL: 'https://cds.example.org/',
      FHIR_SERVER_ALLOWLIST: 'https://ehr.example.org/fhir/r4, http://127.0.0.1:8090',
      CDS_TRUSTED_ISSUERS: '[{"iss":"https://ehr.example.org","jwks_url":"https://ehr.example.org/jwks"}]',
    });
    expect(c.publicBaseUrl).toBe('https://cds.example.org');
    expect(c.fhirServerAllowlist).toEqual(['https://ehr.example.org', 'http://127.0.0.1:8090']);
    expect(c.trustedIssuers).toEqual([{ iss: 'https://ehr.example.org', jwks_url: 'https://ehr.example.org/jwks' }]);
  });

  it('fails fast, naming the variable, on bad values', () => {
    expect(() => parseConfig({ CDS_TRUSTED_ISSUERS: 'not json' })).toThrow(ConfigError);
    expect(() => parseConfig({ CDS_TRUSTED_ISSUERS: '[{"iss":"x"}]' })).toThrow(/CDS_TRUSTED_ISSUERS/);
    expect(() => parseConfig({ CDS_AUTH: 'maybe' })).toThrow(/CDS_AUTH/);
    expect(() => parseConfig({ PORT: 'eighty' })).toThrow(/PORT/);
  });
});

describe('workers', () => {
  it('runs one worker with the embedded sandbox, whose state lives in one process', () => {
    expect(parseConfig({}).workers).toBe(1);
  });
  it('runs one worker per core without the sandbox, or WEB_CONCURRENCY', () => {
    expect(parseConfig({ SANDBOX: 'off' }).workers).toBe(availableParallelism());
    expect(parseConfig({ SANDBOX: 'off', WEB_CONCURRENCY: '3' }).workers).toBe(3);
  });
  it('refuses several workers with the sandbox on, saying why', () => {
    expect(() => parseConfig({ WEB_CONCURRENCY: '2' })).toThrow(/SANDBOX=off/);
  });
});

describe('the letter configuration (LETTER_CONFIG)', () => {
  const write = (data: unknown) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'sij-letter-config-'));
    const file = path.join(dir, 'letter.json');
    writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data));
    return file;
  };
  const good = { organisation: 'Org', address: ['1 Street'], contact: { phone: '555' }, appeal: 'Appeal to {payer}.' };

  it('defaults to config/letter.json, which is valid', () => {
    expect(parseConfig({}).letter).toMatchObject({ organisation: expect.any(String), address: expect.any(Array), appeal: expect.any(String) });
  });

  it('reads the file LETTER_CONFIG names', () => {
    expect(parseConfig({ LETTER_CONFIG: write(good) }).letter).toEqual(good);
  });

  it('fails fast, naming LETTER_CONFIG and the field, on a missing file, bad JSON or a wrong field', () => {
    expect(() => parseConfig({ LETTER_CONFIG: '/nonexistent/letter.json' })).toThrow(/LETTER_CONFIG: \/nonexistent\/letter\.json: no such file/);
    expect(() => parseConfig({ LETTER_CONFIG: write('{ nope') })).toThrow(/LETTER_CONFIG: .*not valid JSON/);
    expect(() => parseConfig({ LETTER_CONFIG: write({ ...good, address: [] }) })).toThrow(/LETTER_CONFIG: address/);
    expect(() => parseConfig({ LETTER_CONFIG: write({ ...good, contact: {} }) })).toThrow(/LETTER_CONFIG: contact: give at least one of phone, fax, email, web/);
    expect(() => parseConfig({ LETTER_CONFIG: write({ ...good, letterhead: 'x' }) })).toThrow(ConfigError);
  });
});
