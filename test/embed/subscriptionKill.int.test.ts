import { Pool, escapeIdentifier } from 'pg';
import { afterAll, expect, it } from 'vitest';

import { createAccrue, postgresStore } from '@accrue/api/embed';
import {
  describeWithPostgres,
  dropSchemas,
  probePostgres,
  uniqueTestSchema,
} from '@accrue/adapters/postgres/testing';

import type { ChildScript } from '../support/child.js';
import { spawnScript } from '../support/child.js';

/**
 * At-least-once delivery across a crash: a subscriber process is SIGKILLed while its handler holds `InvoicePaid`
 * (delivered, not yet checkpointed); a new process with the same subscription name gets that event again, and
 * nothing it had already finished.
 */

const postgres = await probePostgres();
const children: ChildScript[] = [];

describeWithPostgres(postgres, 'embedding: subscriptions survive kill -9', (url) => {
  const schema = uniqueTestSchema('embed_kill');
  const readSchema = `${schema}_r`;
  afterAll(async () => {
    for (const { child } of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await dropSchemas(url, [schema, readSchema]);
  });

  it('redelivers the event whose handler was killed before its checkpoint, and only that one', async () => {
    const accrue = await createAccrue({
      store: postgresStore({ connectionString: url, schema, readSchema }),
      clock: { now: () => '2026-03-01T10:00:00.000Z' },
    });
    try {
      await accrue.createDraft({
        invoiceId: 'inv-1',
        currency: 'EUR',
        customer: { id: 'c', name: 'Customer' },
        lines: [{ id: '1', quantity: '1', netPrice: '100.00', vat: { category: 'S', rate: '19' } }],
      });
      await accrue.approve('inv-1');
      await accrue.recordPayment('inv-1', { amount: '119.00', paidAt: '2026-03-02T10:00:00Z' });
    } finally {
      await accrue.close();
    }
    const pool = new Pool({ connectionString: url, max: 1 });
    const checkpoint = async (): Promise<bigint | undefined> => {
      const result = await pool.query<{ position: string }>(
        `SELECT position::text AS position FROM ${escapeIdentifier(schema)}.accrue_subscriptions WHERE name = $1`,
        ['kill-test'],
      );
      const row = result.rows[0];
      return row === undefined ? undefined : BigInt(row.position);
    };

    try {
      const script = 'test/embed/subscriberChild.ts';
      const first = spawnScript(script, [url, schema, readSchema, 'kill-test', 'hold']);
      children.push(first);
      const [, heldId = ''] = await first.waitForLine(/^holding (\S+)$/);
      const delivered = first.lines.filter((line) => line.startsWith('delivered '));
      // Draft, number reserved, approved, payment recorded, paid: five events, the last one held.
      expect(delivered.map((line) => line.split(' ')[3])).toEqual([
        'InvoiceDraftCreated',
        'NumberReserved',
        'InvoiceApproved',
        'PaymentRecorded',
        'InvoicePaid',
      ]);
      const positions = delivered.map((line) => BigInt(line.split(' ')[2] ?? '0'));
      const paidPosition = positions.at(-1);
      // Everything before the held event is checkpointed; the held one is not.
      expect(await checkpoint()).toBe(positions.at(-2));

      first.child.kill('SIGKILL');
      expect((await first.exited).signal).toBe('SIGKILL');
      expect(await checkpoint()).toBe(positions.at(-2));

      const second = spawnScript(script, [url, schema, readSchema, 'kill-test', 'run']);
      children.push(second);
      const [, stoppedAt] = await second.waitForLine(/^stopped (\d+)$/);
      const redelivered = second.lines.filter((line) => line.startsWith('delivered '));
      expect(redelivered.map((line) => line.split(' ')[1])).toEqual([heldId]);
      expect(stoppedAt).toBe(String(paidPosition));
      expect(await checkpoint()).toBe(paidPosition);
      expect((await second.exited).code).toBe(0);
    } finally {
      await pool.end();
    }
  });
});
