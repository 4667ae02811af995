import * as E from 'fp-ts/lib/Either.js';

import type { CommandContext, EventStore, InvoiceCommand, InvoiceEvent, NewEvent } from '@accrue/domain';
import {
  InvoiceCommand as InvoiceCommandCodec,
  invoiceAggregate,
  invoiceStream,
  prepareEvents,
} from '@accrue/domain';
import { nativeSha256 } from '@accrue/api';

const decode = (raw: unknown): InvoiceCommand => {
  const decoded = InvoiceCommandCodec.decode(raw);
  if (E.isLeft(decoded)) throw new Error('generator command does not decode');
  return decoded.right;
};

const RATES = ['25', '12', '6'];
const CURRENCIES = ['EUR', 'SEK', 'USD'];

/**
 * Writes a realistic log for read-side benchmarks: invoices that are drafted, numbered, approved, sent and paid
 * (half in full, half in part), across tenants, customers, currencies, rates and days, with valid hash chains.
 * Events are decided by the real deciders and appended per invoice stream; numbers are given directly (the
 * number series streams are left out, they would only serialise the generator).
 * Returns the number of events written.
 */
export const generateLog = async (store: EventStore, targetEvents: number, prefix = 'g'): Promise<number> => {
  let written = 0;
  let counter = 0;
  const chunk = 500;
  while (written < targetEvents) {
    const appends: Array<Promise<E.Either<{ readonly _tag: string }, unknown>>> = [];
    for (let j = 0; j < chunk && written < targetEvents; j++) {
      counter += 1;
      const n = counter;
      const tenantId = `tenant-${String(n % 3)}`;
      const invoiceId = `${prefix}-inv-${String(n)}`;
      const day = String(1 + (n % 28)).padStart(2, '0');
      const month = String(1 + (n % 12)).padStart(2, '0');
      const now = `2026-${month}-${day}T10:00:00Z`;
      const currency = CURRENCIES[n % CURRENCIES.length] ?? 'EUR';
      const address = { invoiceId, tenantId, now };
      const number = `INV-2026-${String(n).padStart(6, '0')}`;
      // (Numbers repeat across prefixes: the generator leaves number series out, see above.)
      const commands: InvoiceCommand[] = [
        decode({
          type: 'CreateDraftInvoice',
          data: {
            ...address,
            currency,
            customer: { id: `cust-${String(n % 997)}`, name: `Customer ${String(n % 997)}` },
            lines: [
              {
                id: '1',
                quantity: String(1 + (n % 9)),
                netPrice: `${String(10 + (n % 90))}.50`,
                vat: { category: 'S', rate: RATES[n % 3] ?? '25' },
              },
              { id: '2', quantity: '1', netPrice: '99.99', vat: { category: 'S', rate: '25' } },
            ],
          },
        }),
        decode({ type: 'ApproveInvoice', data: { ...address, number, counter: n } }),
        decode({ type: 'SendInvoice', data: { ...address, channel: 'email' } }),
      ];
      let state = invoiceAggregate.decider.initialState;
      const events: InvoiceEvent[] = [];
      const stream = invoiceStream(tenantId, invoiceId);
      const newEvents: NewEvent[] = [];
      let prevHash: string | null = null;
      const run = (command: InvoiceCommand, step: string): void => {
        const decided = invoiceAggregate.decider.decide(command, state);
        if (E.isLeft(decided)) throw new Error(`generator: ${decided.left._tag}`);
        const context: CommandContext = { tenantId, commandId: `${invoiceId}:${step}`, actor: 'bench', now };
        for (const prepared of prepareEvents(
          invoiceAggregate.events,
          stream,
          events.length,
          prevHash,
          decided.right,
          context,
          nativeSha256,
        )) {
          newEvents.push(prepared.newEvent);
          prevHash = prepared.metadata.hash;
        }
        for (const event of decided.right) {
          events.push(event);
          state = invoiceAggregate.decider.evolve(state, event);
        }
      };
      commands.forEach((command, i) => {
        run(command, String(i));
      });
      if (state._tag !== 'IssuedInvoice') throw new Error('generator: invoice not issued');
      const payable = state.totals.payableAmount;
      const amount = n % 2 === 0 ? payable : '1.00';
      run(
        decode({
          type: 'RecordPayment',
          data: { ...address, paymentId: 'p1', amount, currency, paidAt: now },
        }),
        'pay',
      );
      appends.push(store.appendToStream(stream, 'no_stream', newEvents)());
      written += newEvents.length;
    }
    for (const result of await Promise.all(appends)) {
      if (E.isLeft(result)) throw new Error(`generator append failed: ${result.left._tag}`);
    }
  }
  return written;
};
