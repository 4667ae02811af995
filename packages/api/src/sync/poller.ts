import type { EventStore } from '@accrue/domain';
import { amountDue, foldLoaded, invoiceAggregate, invoiceStream, loadStream } from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';

import type { SyncClock } from './clock.js';
import type { ProviderConnections } from './connections.js';
import type { Inbound } from './inbound.js';
import type { SyncLog } from './log.js';
import { describeFailure } from './log.js';
import type { ProviderSyncTables } from './tables.js';

/**
 * Payments from providers without payment webhooks (Dollr): every `intervalMs`, each issued invoice that still
 * expects money is polled (`pollPayment`), and a `paid` answer becomes `RecordPayment` with a payment id derived
 * from the provider's payment id, through the same path as webhooks (idempotent: polling a paid invoice again
 * records nothing).
 */
export interface PaymentPoller {
  /** One round over every open invoice of every polled connection. */
  readonly pollOnce: () => Promise<void>;
  readonly start: () => void;
  /** Resolves when no round is running. */
  readonly idle: () => Promise<void>;
  readonly stop: () => Promise<void>;
}

export interface PaymentPollerDeps {
  readonly store: EventStore;
  readonly tables: ProviderSyncTables;
  readonly connections: ProviderConnections;
  readonly inbound: Inbound;
  readonly clock: SyncClock;
  readonly log: SyncLog;
  readonly intervalMs: number;
}

export const createPaymentPoller = (deps: PaymentPollerDeps): PaymentPoller => {
  let cancel: (() => void) | undefined;
  let round: Promise<void> | undefined;
  let stopped = false;

  const pollOnce = async (): Promise<void> => {
    for (const connection of deps.connections.all) {
      const poll = connection.adapter.pollPayment;
      if (poll === undefined || connection.verifier !== undefined) continue;
      const rows = await deps.tables.openStreams(connection.provider, connection.tenantId);
      for (const row of rows) {
        if (stopped) return;
        if (row.externalId === undefined) continue;
        const history = await loadStream(
          deps.store,
          invoiceAggregate.events,
          invoiceStream(row.tenantId, row.invoiceId),
        )();
        if (E.isLeft(history)) continue;
        const invoice = foldLoaded(invoiceAggregate.decider, history.right);
        if (invoice._tag !== 'IssuedInvoice' || amountDue(invoice) <= 0n) continue;
        if (!['approved', 'sent', 'partially_paid'].includes(invoice.status)) continue;
        const status = await poll({
          externalId: row.externalId,
          ...(row.paymentLink === undefined ? {} : { paymentLink: row.paymentLink }),
        })();
        if (E.isLeft(status)) {
          deps.log.warn(
            {
              provider: connection.provider,
              tenantId: row.tenantId,
              invoiceId: row.invoiceId,
              error: connection.redact(status.left.message),
            },
            'payment poll failed; trying again next round',
          );
          continue;
        }
        if (status.right.status !== 'paid') continue;
        const paymentKey = status.right.providerPaymentId ?? `${row.externalId}:paid`;
        const outcome = await deps.inbound.apply(
          connection,
          {
            _tag: 'PaymentReceived',
            eventId: paymentKey,
            externalId: row.externalId,
            amount: status.right.paidAmount ?? amountDue(invoice),
            currency: invoice.currency,
            paidAt: status.right.paidAt ?? new Date(deps.clock.now()).toISOString(),
          },
          'poll',
        );
        if (outcome._tag === 'Recorded' && !outcome.duplicate)
          deps.log.info(
            { provider: connection.provider, tenantId: row.tenantId, invoiceId: row.invoiceId },
            'payment recorded from a poll',
          );
      }
    }
  };

  const next = (): void => {
    if (stopped) return;
    cancel = deps.clock.setTimer(deps.intervalMs, () => {
      round = pollOnce()
        .catch((error: unknown) => {
          deps.log.error({ err: describeFailure(error) }, 'payment poll round failed');
        })
        .finally(next);
    });
  };

  return {
    pollOnce,
    start: () => {
      if (cancel === undefined) next();
    },
    idle: async () => {
      await round;
    },
    stop: async () => {
      stopped = true;
      cancel?.();
      await round;
    },
  };
};
