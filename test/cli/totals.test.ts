import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Runs the real CLI the way the root `accrue` script does. */
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const accrue = (...args: ReadonlyArray<string>) =>
  spawnSync(
    process.execPath,
    ['--conditions=@accrue/source', '--import', 'tsx', 'packages/api/src/cli/main.ts', ...args],
    { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 },
  );

/** 3 × 1.50 GBP at S 20 %: net 4.50, VAT 0.90, total 5.40 (worked by hand), all stated correctly. */
const INVOICE = `<?xml version="1.0"?>
<ubl:Invoice xmlns:ubl="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
  xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
  xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>E2E-1</cbc:ID><cbc:IssueDate>2024-06-01</cbc:IssueDate><cbc:DocumentCurrencyCode>GBP</cbc:DocumentCurrencyCode>
  <cac:TaxTotal><cbc:TaxAmount currencyID="GBP">0.90</cbc:TaxAmount>
    <cac:TaxSubtotal><cbc:TaxableAmount currencyID="GBP">4.50</cbc:TaxableAmount><cbc:TaxAmount currencyID="GBP">0.90</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>20</cbc:Percent></cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="GBP">4.50</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="GBP">4.50</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="GBP">5.40</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="GBP">5.40</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:InvoicedQuantity unitCode="C62">3</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="GBP">4.50</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Tea</cbc:Name><cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>20</cbc:Percent></cac:ClassifiedTaxCategory></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="GBP">1.50</cbc:PriceAmount></cac:Price></cac:InvoiceLine>
</ubl:Invoice>`;

let dir = '';
let good = '';
let malformed = '';
let missing = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'accrue-cli-'));
  good = join(dir, 'good invoice.xml');
  malformed = join(dir, 'malformed.xml');
  missing = join(dir, 'does-not-exist.xml');
  writeFileSync(good, INVOICE);
  writeFileSync(malformed, INVOICE.slice(0, 300));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('accrue totals (end to end)', () => {
  it('prints one JSON line per file, in order, and exits non-zero when one failed', () => {
    const run = accrue('totals', '--ubl', good, missing, malformed, good);
    expect(run.status).not.toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    const [first, second, third, fourth] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(first).toEqual({
      file: good,
      currency: 'GBP',
      totals: {
        line_extension_amount: '4.50',
        allowance_total_amount: '0.00',
        charge_total_amount: '0.00',
        tax_exclusive_amount: '4.50',
        tax_amount: '0.90',
        tax_inclusive_amount: '5.40',
        prepaid_amount: '0.00',
        payable_rounding_amount: '0.00',
        payable_amount: '5.40',
      },
      tax_breakdown: [{ category: 'S', rate: '20', taxable_amount: '4.50', tax_amount: '0.90' }],
      lines: [{ id: '1', net_amount: '4.50' }],
      mismatches: [],
    });
    expect(second).toEqual({
      file: missing,
      error: expect.stringMatching(/^cannot read file: ENOENT/) as string,
    });
    expect(third).toEqual({ file: malformed, error: expect.stringMatching(/^malformed XML/) as string });
    expect(fourth).toEqual(first);
  });

  it('exits 0 when every file is recomputed', () => {
    const run = accrue('totals', '--ubl', good, '--rounding', 'half_even');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout.trimEnd().split('\n')).toHaveLength(1);
  });

  it('refuses an unknown rounding mode', () => {
    const run = accrue('totals', '--ubl', good, '--rounding', 'nearest');
    expect(run.status).not.toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/nearest/);
  });
});
