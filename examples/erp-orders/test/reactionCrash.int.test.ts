import { escapeIdentifier } from 'pg';
import { afterAll, expect, it } from 'vitest';

import { describeWithPostgres, dropSchemas, probePostgres } from '@accrue/adapters/postgres/testing';

import { buildHttp } from '../src/http.js';
import { ORDER_PAID_SUBSCRIPTION } from '../src/reactions.js';
import type { ChildScript } from './child.js';
import { spawnScript } from './child.js';
import type { ErpFixture } from './support.js';
import { openErp, orderBody } from './support.js';

/**
 * The reaction crashes after its effect and before its checkpoint (SIGKILL of a real process). Restarted, it gets
 * `InvoicePaid` again (at-least-once) and the idempotent handler applies nothing the second time: the order is
 * marked paid exactly once.
 */

const postgres = await probePostgres();
const children: ChildScript[] = [];

describeWithPostgres(postgres, 'erp-orders reaction across kill -9', (url) => {
  let erp: ErpFixture | undefined;
  afterAll(async () => {
    for (const { child } of children)
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    if (erp === undefined) return;
    await erp.close();
    await dropSchemas(url, [erp.schemas.erp, erp.schemas.accrue, erp.schemas.read]);
  });

  it('marks the order paid exactly once though the event is delivered twice', async () => {
    erp = await openErp(url);
    const { schemas } = erp;
    const app = buildHttp(erp.orders, erp.accrue);
    expect(
      (await app.inject({ method: 'POST', url: '/orders', payload: orderBody('K-1', 1) })).statusCode,
    ).toBe(201);
    const paid = await app.inject({
      method: 'POST',
      url: '/webhooks/payment',
      payload: { order_id: 'K-1', amount: '11.90', paid_at: '2026-03-03T12:00:00Z', reference: 'psp-k1' },
    });
    expect(paid.json()).toMatchObject({ status: 'paid' });
    const checkpoint = async (): Promise<string | undefined> =>
      (
        await erp?.pool.query<{ position: string }>(
          `SELECT position::text AS position FROM ${escapeIdentifier(schemas.accrue)}.accrue_subscriptions WHERE name = $1`,
          [ORDER_PAID_SUBSCRIPTION],
        )
      )?.rows[0]?.position;

    const script = 'examples/erp-orders/test/reactionChild.ts';
    const args = [url, schemas.erp, schemas.accrue, schemas.read];
    const first = spawnScript(script, [...args, 'crash']);
    children.push(first);
    await first.waitForLine(/^holding$/);
    const [, paidEventId = ''] = await first.waitForLine(/^delivered (\S+) InvoicePaid$/);
    expect(first.lines).toContain(`applied ${paidEventId} true`);
    // The effect is applied, the checkpoint is still before the event: now the process dies.
    const afterEffect = await erp.orders.getOrder('K-1');
    expect(afterEffect?.paymentMarks).toBe(1);
    const before = await checkpoint();
    first.child.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');

    const second = spawnScript(script, [...args, 'run']);
    children.push(second);
    await second.waitForLine(/^stopped$/);
    // Redelivered, and only it (everything before was checkpointed); the idempotent handler changed nothing.
    expect(second.lines.filter((line) => line.startsWith('delivered '))).toEqual([
      `delivered ${paidEventId} InvoicePaid`,
    ]);
    expect(second.lines).toContain(`applied ${paidEventId} false`);
    const order = await erp.orders.getOrder('K-1');
    expect(order?.paymentMarks).toBe(1);
    expect(order?.paidAt?.toISOString()).toBe('2026-03-03T12:00:00.000Z');
    expect(BigInt((await checkpoint()) ?? '0')).toBeGreaterThan(BigInt(before ?? '0'));
    expect((await second.exited).code).toBe(0);
  });
});
