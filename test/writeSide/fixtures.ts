import type { CommandContext, CreateDraftInvoice, InvoiceId, TenantId, Timestamp } from '@accrue/domain';
import { CreateDraftInvoice as CreateDraftInvoiceCodec } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

export const NOW = '2026-11-21T10:00:00Z' as Timestamp;

export const context = (tenantId: string, commandId: string): CommandContext => ({
  tenantId,
  commandId,
  actor: 'test',
  now: NOW,
});

/** A valid draft as it arrives from the edge: decoded by its codec, like every command. */
export const createDraft = (
  tenantId: string,
  invoiceId: string,
  overrides: Record<string, unknown> = {},
): CreateDraftInvoice => {
  const decoded = CreateDraftInvoiceCodec.decode({
    type: 'CreateDraftInvoice',
    data: {
      invoiceId,
      tenantId,
      now: NOW,
      currency: 'EUR',
      customer: { id: 'cust-1', name: 'Acme GmbH' },
      lines: [{ id: '1', quantity: '2', netPrice: '50.00', vat: { category: 'S', rate: '19' } }],
      ...overrides,
    },
  });
  if (E.isLeft(decoded)) throw new Error('fixture does not decode');
  return decoded.right;
};

/** Decodes a command literal with its codec, as the edge does; a fixture that does not decode is a bug. */
export const decode = <A>(codec: { decode: (u: unknown) => E.Either<unknown, A> }, value: unknown): A => {
  const decoded = codec.decode(value);
  if (E.isLeft(decoded)) throw new Error(`fixture does not decode: ${JSON.stringify(value)}`);
  return decoded.right;
};

export const ids = (
  tenantId: string,
  invoiceId: string,
): { tenantId: TenantId; invoiceId: InvoiceId; now: Timestamp } => ({
  tenantId: tenantId as TenantId,
  invoiceId: invoiceId as InvoiceId,
  now: NOW,
});
