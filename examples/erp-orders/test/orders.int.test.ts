import { afterAll, expect, it } from 'vitest';

import { describeWithPostgres, dropSchemas, probePostgres } from '@accrue/adapters/postgres/testing';

import { buildHttp } from '../src/http.js';
import { invoiceIdOf } from '../src/orders.js';
import { ORDER_PAID_SUBSCRIPTION, orderPaidReaction } from '../src/reactions.js';
import type { ErpFixture } from './support.js';
import { countEvents, openErp, orderBody } from './support.js';

const postgres = await probePostgres();

describeWithPostgres(postgres, 'erp-orders example on PostgreSQL', (url) => {
  const fixtures: ErpFixture[] = [];
  const open = async (options: Parameters<typeof openErp>[1] = {}): Promise<ErpFixture> => {
    const fixture = await openErp(url, options);
    fixtures.push(fixture);
    return fixture;
  };
  afterAll(async () => {
    for (const fixture of fixtures) await fixture.close();
    await dropSchemas(
      url,
      fixtures.flatMap((f) => [f.schemas.erp, f.schemas.accrue, f.schemas.read]),
    );
  });

  it('POST /orders creates the order and its approved invoice in one transaction', async () => {
    const erp = await open();
    const app = buildHttp(erp.orders, erp.accrue);
    const response = await app.inject({ method: 'POST', url: '/orders', payload: orderBody('A-1', 3) });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({
      id: 'A-1',
      total: '35.70',
      invoiceId: 'order-A-1',
      invoiceNumber: 'INV-2026-000001',
      paidAt: null,
    });
    const invoice = await erp.accrue.get('order-A-1', { tenantId: 'erp' });
    expect(invoice).toMatchObject({ status: 'approved', number: 'INV-2026-000001' });
    expect(invoice.payable).toBe('35.70');
    expect((await app.inject({ method: 'GET', url: '/orders/A-1' })).json()).toMatchObject({ id: 'A-1' });
  });

  it('an order refused after its invoice was priced leaves neither the order nor any invoice event', async () => {
    // At most 100.00 EUR: known only once Accrue has calculated the invoice, inside the transaction.
    const erp = await open({ maxTotalMinorUnits: 10_000n });
    const app = buildHttp(erp.orders, erp.accrue);
    const refused = await app.inject({ method: 'POST', url: '/orders', payload: orderBody('BIG-1', 100) });
    expect(refused.statusCode).toBe(422);
    expect(await erp.orders.getOrder('BIG-1')).toBeUndefined();
    expect(await countEvents(erp.pool, erp.schemas.accrue)).toBe(0);
    const history = await erp.accrue.fp.history(invoiceIdOf('BIG-1'))();
    expect(history).toMatchObject({ _tag: 'Left', left: { _tag: 'InvoiceNotFound' } });

    // The number the refused order had reserved was rolled back with it: the next order gets 000001.
    const accepted = await app.inject({ method: 'POST', url: '/orders', payload: orderBody('SMALL-1', 1) });
    expect(accepted.statusCode).toBe(201);
    expect(accepted.json()).toMatchObject({ invoiceNumber: 'INV-2026-000001' });
    expect(await countEvents(erp.pool, erp.schemas.accrue)).toBe(3);
    expect((await erp.accrue.numberRegister()).map((entry) => entry.number)).toEqual(['INV-2026-000001']);
  });

  it('keeps invoice numbers gap-free when orders are placed concurrently and some roll back', async () => {
    const erp = await open({ maxTotalMinorUnits: 10_000n });
    const app = buildHttp(erp.orders, erp.accrue);
    // Every third order is over the limit and rolls back after reserving its number.
    const placements = Array.from({ length: 18 }, (_, i) =>
      app.inject({
        method: 'POST',
        url: '/orders',
        payload: orderBody(`C-${String(i)}`, i % 3 === 2 ? 50 : 1),
      }),
    );
    const answers = await Promise.all(placements);
    const accepted = answers
      .filter((answer) => answer.statusCode === 201)
      .map((answer) => answer.json<{ id: string; invoiceNumber: string }>());
    expect(answers.filter((answer) => answer.statusCode === 422)).toHaveLength(6);
    expect(accepted).toHaveLength(12);
    const numbers = accepted.map((order) => order.invoiceNumber).sort();
    expect(numbers).toEqual(
      Array.from({ length: 12 }, (_, i) => `INV-2026-${String(i + 1).padStart(6, '0')}`),
    );
    for (const order of accepted) {
      const invoice = await erp.accrue.get(invoiceIdOf(order.id));
      expect(invoice.number).toBe(order.invoiceNumber);
    }
    // 3 events per committed order (draft, number reserved, approved); nothing of the rolled-back ones.
    expect(await countEvents(erp.pool, erp.schemas.accrue)).toBe(36);
    const register = await erp.accrue.numberRegister();
    expect(register.map((entry) => entry.status)).toEqual(Array.from({ length: 12 }, () => 'issued'));
  });

  it('a payment webhook marks the order paid through the reaction, exactly once', async () => {
    const erp = await open();
    const app = buildHttp(erp.orders, erp.accrue);
    await app.inject({ method: 'POST', url: '/orders', payload: orderBody('P-1', 2) });
    const applied: boolean[] = [];
    let notify: () => void = () => undefined;
    const paidSeen = new Promise<void>((resolve) => {
      notify = resolve;
    });
    const subscription = erp.accrue.subscribe(
      orderPaidReaction(erp.orders, (_event, effect) => {
        applied.push(effect);
        notify();
      }),
      { name: ORDER_PAID_SUBSCRIPTION },
    );

    const pay = (amount: string, reference: string) =>
      app.inject({
        method: 'POST',
        url: '/webhooks/payment',
        payload: { order_id: 'P-1', amount, paid_at: '2026-03-04T09:00:00Z', reference },
      });
    expect((await pay('10.00', 'psp-1')).json()).toMatchObject({ status: 'partially_paid' });
    expect((await erp.orders.getOrder('P-1'))?.paidAt).toBeNull();
    expect((await pay('13.80', 'psp-2')).json()).toMatchObject({ status: 'paid' });
    // The provider delivers the same webhook twice: one payment, still paid.
    expect((await pay('13.80', 'psp-2')).statusCode).toBe(202);
    await paidSeen;
    const order = await erp.orders.getOrder('P-1');
    expect(order?.paidAt?.toISOString()).toBe('2026-03-04T09:00:00.000Z');
    expect(order?.paymentMarks).toBe(1);
    expect(applied).toEqual([true]);
    const history = await erp.accrue.history(invoiceIdOf('P-1'));
    expect(history.filter((entry) => entry.event.type === 'PaymentRecorded')).toHaveLength(2);
    expect((await pay('1.00', 'psp-3')).statusCode).toBe(422);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/webhooks/payment',
          payload: { order_id: 'nope', amount: '1.00', paid_at: '2026-03-04T09:00:00Z', reference: 'x' },
        })
      ).statusCode,
    ).toBe(404);
    await subscription.stop();
  });
});
