import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as E from 'fp-ts/lib/Either.js';
import { afterAll, describe, expect, it } from 'vitest';

import { createPostgresEventStore } from '@accrue/adapters/postgres';
import {
  describeWithPostgres,
  dropSchemas,
  probePostgres,
  uniqueTestSchema,
} from '@accrue/adapters/postgres/testing';
import { createSqliteEventStore } from '@accrue/adapters/sqlite';
import type { EventStore } from '@accrue/domain';
import {
  RecordPayment,
  approveInvoice,
  createKeyedMutex,
  handleCommand,
  invoiceAggregate,
  invoiceStream,
  verifyLog,
} from '@accrue/domain';

import { NOW, context, createDraft, decode, ids } from './fixtures.js';

/**
 * Acceptance (concurrency) on the durable stores: 500 drafts approved concurrently get the numbers 1…500
 * with no gap and no repeat; 64 concurrent writers on one stream lose and duplicate nothing.
 */
const concurrencySuite = (open: () => Promise<EventStore>): void => {
  it('numbers 500 concurrent approvals 1…500, gap-free and unique', { timeout: 120_000 }, async () => {
    const store = await open();
    try {
      const count = 500;
      const created = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          handleCommand(
            store,
            invoiceAggregate,
            invoiceStream('t1', `inv-${i}`),
            createDraft('t1', `inv-${i}`),
            context('t1', `create-${i}`),
          )(),
        ),
      );
      expect(created.filter(E.isLeft)).toEqual([]);
      const deps = { store, seriesLocks: createKeyedMutex() };
      const approvals = await Promise.all(
        Array.from({ length: count }, (_, i) =>
          approveInvoice(deps, ids('t1', `inv-${i}`), context('t1', `approve-${i}`))(),
        ),
      );
      expect(approvals.filter(E.isLeft)).toEqual([]);
      const numbers = approvals.map((a) =>
        E.isRight(a) && a.right.state._tag === 'IssuedInvoice' ? a.right.state.number : '',
      );
      expect([...numbers].sort()).toEqual(
        Array.from({ length: count }, (_, i) => `INV-2026-${String(i + 1).padStart(6, '0')}`),
      );
      const verified = await verifyLog(store)();
      expect(E.isRight(verified) && E.isRight(verified.right)).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('lets 64 concurrent commands on one invoice all land, once each', { timeout: 60_000 }, async () => {
    const store = await open();
    try {
      const stream = invoiceStream('t1', 'busy');
      await handleCommand(
        store,
        invoiceAggregate,
        stream,
        createDraft('t1', 'busy'),
        context('t1', 'create'),
      )();
      await approveInvoice(
        { store, seriesLocks: createKeyedMutex() },
        ids('t1', 'busy'),
        context('t1', 'approve'),
      )();
      const payments = await Promise.all(
        Array.from({ length: 64 }, (_, i) =>
          handleCommand(
            store,
            invoiceAggregate,
            stream,
            decode(RecordPayment, {
              type: 'RecordPayment',
              data: {
                ...ids('t1', 'busy'),
                paymentId: `p-${i}`,
                amount: '0.01',
                currency: 'EUR',
                paidAt: NOW,
              },
            }),
            context('t1', `pay-${i}`),
            { maxAttempts: 200 },
          )(),
        ),
      );
      expect(payments.filter(E.isLeft)).toEqual([]);
      const read = await store.readStream(stream)();
      const recorded = E.isRight(read) ? read.right.filter((e) => e.type === 'PaymentRecorded') : [];
      expect(recorded).toHaveLength(64);
      expect(new Set(recorded.map((e) => e.data['paymentId'])).size).toBe(64);
    } finally {
      await store.close();
    }
  });
};

describe('concurrency on SQLite', () => {
  const folder = mkdtempSync(join(tmpdir(), 'accrue-concurrency-'));
  let n = 0;
  afterAll(() => {
    rmSync(folder, { recursive: true, force: true });
  });
  concurrencySuite(() => Promise.resolve(createSqliteEventStore({ path: join(folder, `${n++}.db`) })));
});

const availability = await probePostgres();
describeWithPostgres(availability, 'concurrency on PostgreSQL', (url) => {
  const schemas: string[] = [];
  afterAll(async () => {
    await dropSchemas(url, schemas);
  });
  concurrencySuite(() => {
    const schema = uniqueTestSchema('accrue_conc');
    schemas.push(schema);
    return createPostgresEventStore({ connectionString: url, schema });
  });
});
