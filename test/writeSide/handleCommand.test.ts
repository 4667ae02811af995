import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';

import { createMemoryEventStore } from '@accrue/adapters/memory';
import type { EventStore, NewEvent } from '@accrue/domain';
import {
  ApproveInvoice,
  CreditNoteIssueRequest,
  issueCreditNote,
  RecordPayment,
  ReserveNumber,
  numberSeriesAggregate,
  approveInvoice,
  createKeyedMutex,
  deriveEventId,
  handleCommand,
  invoiceAggregate,
  invoiceStream,
  numberSeriesStream,
  recoverNumberReservations,
  verifyStreamChain,
} from '@accrue/domain';

import { NOW, context, createDraft, decode, ids } from './fixtures.js';

const readStream = async (store: EventStore, stream: string) => {
  const read = await store.readStream(stream)();
  if (E.isLeft(read)) throw new Error(read.left._tag);
  return read.right;
};

describe('handleCommand', () => {
  it('appends decided events with full metadata, derived ids and a hash chain', async () => {
    const store = createMemoryEventStore();
    const stream = invoiceStream('t1', 'inv-1');
    const result = await handleCommand(store, invoiceAggregate, stream, createDraft('t1', 'inv-1'), {
      ...context('t1', 'cmd-1'),
      correlationId: 'corr-9',
    })();
    expect(E.isRight(result) && result.right.events.map((e) => e.event.type)).toEqual([
      'InvoiceDraftCreated',
    ]);
    const [stored] = await readStream(store, stream);
    expect(stored?.eventId).toBe(deriveEventId('cmd-1', stream, 0));
    expect(stored?.metadata).toMatchObject({
      eventId: stored?.eventId,
      tenantId: 't1',
      commandId: 'cmd-1',
      correlationId: 'corr-9',
      causationId: 'cmd-1',
      actor: 'test',
      occurredAt: NOW,
      schemaVersion: 1,
      prevHash: null,
    });
    expect(typeof stored?.metadata['hash']).toBe('string');
    expect(verifyStreamChain(await readStream(store, stream))).toBeUndefined();
  });

  it('returns the first result for a repeated command id and appends nothing', async () => {
    const store = createMemoryEventStore();
    const stream = invoiceStream('t1', 'inv-1');
    const first = await handleCommand(
      store,
      invoiceAggregate,
      stream,
      createDraft('t1', 'inv-1'),
      context('t1', 'cmd-1'),
    )();
    const again = await handleCommand(
      store,
      invoiceAggregate,
      stream,
      createDraft('t1', 'inv-1'),
      context('t1', 'cmd-1'),
    )();
    expect(E.isRight(again) && again.right.replayed).toBe(true);
    expect(E.isRight(again) && E.isRight(first) && again.right.events.map((e) => e.eventId)).toEqual(
      E.isRight(first) && first.right.events.map((e) => e.eventId),
    );
    expect(store.size()).toBe(1);
  });

  it('turns a decider refusal into CommandRejected and appends nothing', async () => {
    const store = createMemoryEventStore();
    const stream = invoiceStream('t1', 'inv-1');
    await handleCommand(
      store,
      invoiceAggregate,
      stream,
      createDraft('t1', 'inv-1'),
      context('t1', 'cmd-1'),
    )();
    const twice = await handleCommand(
      store,
      invoiceAggregate,
      stream,
      createDraft('t1', 'inv-1'),
      context('t1', 'cmd-2'),
    )();
    expect(E.isLeft(twice) && twice.left).toMatchObject({
      _tag: 'CommandRejected',
      error: { _tag: 'InvoiceAlreadyExists' },
    });
    expect(store.size()).toBe(1);
  });

  it('retries on a version conflict and lets 64 concurrent commands on one stream all land once', async () => {
    const store = createMemoryEventStore();
    const stream = invoiceStream('t1', 'inv-1');
    await handleCommand(
      store,
      invoiceAggregate,
      stream,
      createDraft('t1', 'inv-1'),
      context('t1', 'create'),
    )();
    const approve = await approveInvoice(
      { store, seriesLocks: createKeyedMutex() },
      ids('t1', 'inv-1'),
      context('t1', 'approve'),
    )();
    expect(E.isRight(approve)).toBe(true);
    const results = await Promise.all(
      Array.from({ length: 64 }, (_, i) =>
        handleCommand(
          store,
          invoiceAggregate,
          stream,
          decode(RecordPayment, {
            type: 'RecordPayment',
            data: {
              ...ids('t1', 'inv-1'),
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
    expect(results.filter(E.isLeft)).toEqual([]);
    const events = await readStream(store, stream);
    const payments = events.filter((e) => e.type === 'PaymentRecorded');
    expect(payments).toHaveLength(64);
    expect(new Set(payments.map((e) => e.data['paymentId'])).size).toBe(64);
    expect(verifyStreamChain(events)).toBeUndefined();
  });

  it('reports an event the codec cannot read as CorruptEvent', async () => {
    const store = createMemoryEventStore();
    const stream = invoiceStream('t1', 'bad');
    const bad: NewEvent = {
      eventId: 'x',
      type: 'InvoiceDraftCreated',
      data: { nonsense: true },
      metadata: {},
    };
    await store.appendToStream(stream, 'no_stream', [bad])();
    const result = await handleCommand(
      store,
      invoiceAggregate,
      stream,
      createDraft('t1', 'bad'),
      context('t1', 'c'),
    )();
    expect(E.isLeft(result) && result.left._tag).toBe('CorruptEvent');
  });
});

describe('gap-free numbering', () => {
  it('gives 500 concurrently approved drafts the numbers 1…500, each once', async () => {
    const store = createMemoryEventStore();
    const deps = { store, seriesLocks: createKeyedMutex() };
    const count = 500;
    await Promise.all(
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
  });

  it('completes a reservation left by a crash between reserving and approving', async () => {
    const store = createMemoryEventStore();
    await handleCommand(
      store,
      invoiceAggregate,
      invoiceStream('t1', 'inv-1'),
      createDraft('t1', 'inv-1'),
      context('t1', 'create'),
    )();
    await handleCommand(
      store,
      invoiceAggregate,
      invoiceStream('t1', 'gone'),
      createDraft('t1', 'gone'),
      context('t1', 'create-g'),
    )();
    // Reserve two numbers as approval would, then "crash" before approving.
    for (const invoiceId of ['inv-1', 'gone']) {
      await handleCommand(
        store,
        numberSeriesAggregate,
        numberSeriesStream('t1', 'INV', 2026),
        decode(ReserveNumber, {
          type: 'ReserveNumber',
          data: { ...ids('t1', invoiceId), series: 'INV', year: 2026 },
        }),
        context('t1', `reserve-${invoiceId}`),
      )();
    }
    // The second draft is voided in spirit: approve it under another number first.
    await handleCommand(
      store,
      invoiceAggregate,
      invoiceStream('t1', 'gone'),
      decode(ApproveInvoice, {
        type: 'ApproveInvoice',
        data: { ...ids('t1', 'gone'), number: 'INV-2026-000099', counter: 99 },
      }),
      context('t1', 'approve-elsewhere'),
    )();
    const recovered = await recoverNumberReservations(store, { now: NOW, isStale: () => true })();
    expect(E.isRight(recovered) && recovered.right.map((a) => [a.number, a.outcome])).toEqual([
      ['INV-2026-000001', 'completed'],
      ['INV-2026-000002', 'annulled'],
    ]);
    const again = await recoverNumberReservations(store, { now: NOW, isStale: () => true })();
    expect(E.isRight(again) && again.right).toEqual([]);
  });

  it('leaves credit-note numbers alone: their reservations belong to issued credit notes', async () => {
    const store = createMemoryEventStore();
    const deps = { store, seriesLocks: createKeyedMutex() };
    await handleCommand(
      store,
      invoiceAggregate,
      invoiceStream('t1', 'inv-1'),
      createDraft('t1', 'inv-1'),
      context('t1', 'create'),
    )();
    await approveInvoice(deps, ids('t1', 'inv-1'), context('t1', 'approve'))();
    const issued = await issueCreditNote(
      deps,
      decode(CreditNoteIssueRequest, {
        ...ids('t1', 'inv-1'),
        creditNoteId: 'cn-1',
        reason: 'damaged goods',
        content: { amount: '10.00' },
      }),
      context('t1', 'credit'),
    )();
    expect(E.isRight(issued)).toBe(true);
    const recovered = await recoverNumberReservations(store, { now: NOW, isStale: () => true })();
    expect(E.isRight(recovered) && recovered.right).toEqual([]);
  });
});
