import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Mismatch, UblDocument } from '@accrue/adapters/ubl';
import { compareWithStated, readUbl } from '@accrue/adapters/ubl';
import type { Decimal } from '@accrue/domain';
import { HUNDRED, ONE, ZERO, calculateInvoice, currencyExponent } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

/**
 * Acceptance: the official EN 16931 and Peppol BIS 3 examples, recomputed from their inputs by the engine,
 * must reproduce every stated value exactly, except where a file contradicts itself. Which lines contradict
 * themselves is worked out here from the file's own inputs, independently of the engine (quantity × price ÷
 * base quantity, rounded half away from zero, less allowances plus charges; net price = gross − discount;
 * percentage allowances = base × percent ÷ 100), and must be exactly the 9 CEN files of en16931.md §2.3.
 */

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const oracleDir = join(repoRoot, '..', 'shared', 'oracles', 'ubl-examples');
const manifest = join(oracleDir, 'MANIFEST.tsv');
const present = existsSync(manifest);

const SELF_CONTRADICTING = new Set([
  'guide-example1.xml',
  'guide-example2.xml',
  'guide-example3.xml',
  'ubl-tc434-example1.xml',
  'ubl-tc434-example2.xml',
  'ubl-tc434-example3.xml',
  'ubl-tc434-example10.xml',
  'ubl-tc434-test-1.xml',
  'BIS_Billing_30-Rantefaktura_Enkel.xml',
]);

const TOTAL_NAMES = new Set([
  'line_extension_amount',
  'allowance_total_amount',
  'charge_total_amount',
  'tax_exclusive_amount',
  'tax_amount',
  'tax_inclusive_amount',
  'prepaid_amount',
  'payable_rounding_amount',
  'payable_amount',
]);

const paths = present
  ? readFileSync(manifest, 'utf8')
      .split('\n')
      .slice(1)
      .filter((row) => row.trim() !== '')
      .map((row) => row.split('\t')[0] ?? '')
  : [];
const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

/** `x` rounded half away from zero to `scale` decimals (big.js rounding mode 1). */
const round = (x: Decimal, scale: number): Decimal => x.round(scale, 1);
const sum = (values: ReadonlyArray<Decimal>): Decimal => values.reduce((a, b) => a.plus(b), ZERO);

/** The ids of the lines whose stated amounts or net price contradict the line's own inputs. */
const contradictingLines = (document: UblDocument): Set<string> => {
  const scale = currencyExponent(document.currency);
  const found = new Set<string>();
  document.calculationInput.lines.forEach((line, index) => {
    const stated = document.stated.lines[index]!;
    const netPrice =
      line.grossPrice === undefined ? line.netPrice! : line.grossPrice.minus(line.priceDiscount ?? ZERO);
    const amountOf = (entry: NonNullable<typeof line.allowances>[number], statedAmount: Decimal): Decimal => {
      if ('amount' in entry) return entry.amount;
      const computed = round(entry.baseAmount!.times(entry.percent).div(HUNDRED), scale);
      if (!computed.eq(statedAmount)) found.add(line.id);
      return computed;
    };
    const allowances = (line.allowances ?? []).map((entry, i) => amountOf(entry, stated.allowances[i]!));
    const charges = (line.charges ?? []).map((entry, i) => amountOf(entry, stated.charges[i]!));
    const net = round(line.quantity.times(netPrice).div(line.baseQuantity ?? ONE), scale)
      .minus(sum(allowances))
      .plus(sum(charges));
    if (!netPrice.eq(stated.netPrice) || (stated.netAmount !== undefined && !net.eq(stated.netAmount))) {
      found.add(line.id);
    }
  });
  return found;
};

interface Outcome {
  readonly document: UblDocument;
  readonly mismatches: ReadonlyArray<Mismatch>;
}

const recompute = (path: string): Outcome => {
  const document = readUbl(readFileSync(join(oracleDir, path), 'utf8'));
  if (E.isLeft(document)) throw new Error(`${path}: ${JSON.stringify(document.left)}`);
  const calculation = calculateInvoice(document.right.calculationInput);
  if (E.isLeft(calculation)) throw new Error(`${path}: ${JSON.stringify(calculation.left.issues)}`);
  return { document: document.right, mismatches: compareWithStated(document.right, calculation.right) };
};

const mismatch = (outcome: Outcome, what: string): Mismatch | undefined =>
  outcome.mismatches.find((entry) => entry.what === what);

const describeOracle = present ? describe : describe.skip;

const consistent = paths.filter((path) => !SELF_CONTRADICTING.has(baseName(path)));

describeOracle(
  present ? 'UBL oracle examples' : `UBL oracle examples: SKIPPED, ${oracleDir} is absent`,
  () => {
    it('lists 75 files, every one of them present', () => {
      expect(paths).toHaveLength(75);
      for (const path of paths) expect(existsSync(join(oracleDir, path)), path).toBe(true);
      for (const name of SELF_CONTRADICTING) {
        expect(paths.map(baseName), name).toContain(name);
      }
      expect(consistent).toHaveLength(66);
    });

    it.each(consistent)('%s: no line contradicts itself and every stated value is reproduced', (path) => {
      const outcome = recompute(path);
      expect([...contradictingLines(outcome.document)]).toEqual([]);
      expect(outcome.mismatches).toEqual([]);
    });

    it.each(paths.filter((path) => SELF_CONTRADICTING.has(baseName(path))))(
      '%s: reports the contradicting lines and only what sums them',
      (path) => {
        const outcome = recompute(path);
        const lines = contradictingLines(outcome.document);
        expect(lines.size).toBeGreaterThan(0);
        for (const id of lines) {
          const stated = outcome.document.stated.lines.find((line) => line.id === id);
          const reported = outcome.mismatches.filter((entry) => entry.what.startsWith(`line ${id} `));
          expect(reported.length, `line ${id}`).toBeGreaterThan(0);
          if (stated?.netAmount !== undefined)
            expect(mismatch(outcome, `line ${id} net_amount`)).toBeDefined();
        }
        for (const { what } of outcome.mismatches) {
          const line = /^line (.+) (net_amount|net_price|allowance \d+ amount|charge \d+ amount)$/.exec(what);
          const allowed =
            (line !== null && lines.has(line[1] ?? '')) ||
            TOTAL_NAMES.has(what) ||
            what.startsWith('tax_breakdown ');
          expect(allowed, what).toBe(true);
        }
      },
    );

    it('reports the contradictions named in en16931.md §2.3, worked by hand', () => {
      const find = (name: string): Outcome => recompute(paths.find((path) => baseName(path) === name)!);
      // 486 × 4.9715 = 2416.149 → 2416.15; the file states 2416.16.
      expect(mismatch(find('BIS_Billing_30-Rantefaktura_Enkel.xml'), 'line 1 net_amount')).toEqual({
        what: 'line 1 net_amount',
        stated: '2416.16',
        computed: '2416.15',
      });
      // 6 × 18.33 = 109.98, stated as −109.98.
      for (const name of ['ubl-tc434-example1.xml', 'ubl-tc434-example10.xml', 'guide-example1.xml']) {
        expect(mismatch(find(name), 'line 20 net_amount'), name).toEqual({
          what: 'line 20 net_amount',
          stated: '-109.98',
          computed: '109.98',
        });
      }
      // 2 × 800 = 1600, stated 400 (guide-example3) or 800 (ubl-tc434-example3).
      for (const [name, stated] of [
        ['guide-example3.xml', '400.00'],
        ['ubl-tc434-example3.xml', '800.00'],
      ] as const) {
        for (const id of ['1', '2']) {
          expect(mismatch(find(name), `line ${id} net_amount`), name).toEqual({
            what: `line ${id} net_amount`,
            stated,
            computed: '1600.00',
          });
        }
      }
      // 2 × 1273 = 2546, stated 1273.
      for (const name of ['guide-example2.xml', 'ubl-tc434-example2.xml', 'ubl-tc434-test-1.xml']) {
        expect(mismatch(find(name), 'line 1 net_amount'), name).toEqual({
          what: 'line 1 net_amount',
          stated: '1273.00',
          computed: '2546.00',
        });
      }
    });
  },
);
