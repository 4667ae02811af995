import type { FastifyInstance } from 'fastify';
import Fastify from 'fastify';

import type { Accrue } from '@accrue/api/embed';
import { isAccrueError } from '@accrue/api/embed';

import type { OrderService, PlaceOrder } from './orders.js';
import { OrderRejected, invoiceIdOf } from './orders.js';

const decimal = { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?$' } as const;
const identifier = { type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,100}$' } as const;

const placeOrderSchema = {
  type: 'object',
  required: ['customer', 'currency', 'lines'],
  additionalProperties: false,
  properties: {
    order_id: identifier,
    customer: {
      type: 'object',
      required: ['id', 'name'],
      additionalProperties: false,
      properties: { id: identifier, name: { type: 'string', minLength: 1 } },
    },
    currency: { type: 'string', pattern: '^[A-Z]{3}$' },
    lines: {
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: {
        type: 'object',
        required: ['description', 'quantity', 'unit_price', 'tax_rate'],
        additionalProperties: false,
        properties: {
          description: { type: 'string' },
          quantity: decimal,
          unit_price: decimal,
          tax_rate: decimal,
        },
      },
    },
  },
} as const;

interface PlaceOrderBody {
  readonly order_id?: string;
  readonly customer: { readonly id: string; readonly name: string };
  readonly currency: string;
  readonly lines: ReadonlyArray<{
    readonly description: string;
    readonly quantity: string;
    readonly unit_price: string;
    readonly tax_rate: string;
  }>;
}

const paymentSchema = {
  type: 'object',
  required: ['order_id', 'amount', 'paid_at', 'reference'],
  additionalProperties: false,
  properties: {
    order_id: identifier,
    amount: decimal,
    paid_at: { type: 'string', minLength: 20 },
    reference: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

interface PaymentBody {
  readonly order_id: string;
  readonly amount: string;
  readonly paid_at: string;
  readonly reference: string;
}

/**
 * The order service's HTTP API: `POST /orders` places an order (order and approved invoice in one
 * transaction), `GET /orders/:id` reads it, `POST /webhooks/payment` records a payment reported by the payment
 * provider. The order is marked paid by the `InvoicePaid` reaction, not here.
 */
export const buildHttp = (orders: OrderService, accrue: Accrue): FastifyInstance => {
  const app = Fastify({ logger: false });

  app.post<{ Body: PlaceOrderBody }>(
    '/orders',
    { schema: { body: placeOrderSchema } },
    async (request, reply) => {
      const body = request.body;
      const order: PlaceOrder = {
        ...(body.order_id === undefined ? {} : { orderId: body.order_id }),
        customer: body.customer,
        currency: body.currency,
        lines: body.lines.map((line) => ({
          description: line.description,
          quantity: line.quantity,
          unitPrice: line.unit_price,
          taxRate: line.tax_rate,
        })),
      };
      try {
        const placed = await orders.placeOrder(order);
        return await reply.code(201).send(placed);
      } catch (error) {
        if (error instanceof OrderRejected) return reply.code(422).send({ error: error.message });
        if (isAccrueError(error))
          return reply.code(error._tag === 'InvalidInput' ? 400 : 422).send({ error: error.message });
        throw error;
      }
    },
  );

  app.get<{ Params: { id: string } }>('/orders/:id', async (request, reply) => {
    const order = await orders.getOrder(request.params.id);
    return order === undefined ? reply.code(404).send({ error: 'no such order' }) : order;
  });

  app.post<{ Body: PaymentBody }>(
    '/webhooks/payment',
    { schema: { body: paymentSchema } },
    async (request, reply) => {
      const { order_id: orderId, amount, paid_at: paidAt, reference } = request.body;
      try {
        // The provider's reference is the payment id and the command id: a webhook delivered twice records one
        // payment.
        const recorded = await accrue.recordPayment(
          invoiceIdOf(orderId),
          { amount, paidAt, paymentId: reference, reference },
          { commandId: `payment:${reference}`, actor: 'payment-webhook' },
        );
        const state = recorded.state;
        return await reply.code(202).send({
          invoice_id: recorded.invoiceId,
          status: state._tag === 'IssuedInvoice' ? state.status : state._tag,
        });
      } catch (error) {
        if (!isAccrueError(error)) throw error;
        if (error._tag === 'InvoiceNotFound') return reply.code(404).send({ error: 'no such order' });
        return reply.code(error._tag === 'InvalidInput' ? 400 : 422).send({ error: error.message });
      }
    },
  );

  return app;
};
