import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import * as E from 'fp-ts/lib/Either.js';

import type {
  CommandContext,
  HandleError,
  HandleResult,
  InvoiceCommand,
  InvoiceError,
  InvoiceEvent,
  InvoiceState,
} from '@accrue/domain';
import {
  CreditNoteId,
  InvoiceId,
  PaymentId,
  TenantId,
  Timestamp,
  approveInvoice,
  handleCommand,
  invoiceAggregate,
  invoiceStream,
  issueCreditNote,
  loadStream,
  thawDecimal,
} from '@accrue/domain';

import { nativeSha256 } from '../../composition/container.js';
import { exportDocument, sellerFromEnv } from '../../composition/ublExport.js';
import type { AppDeps } from '../app.js';
import { sendError, snakeCode } from '../errors.js';
import { creditNoteResource } from '../resource/creditNoteResource.js';
import { invoiceResource } from '../resource/invoiceResource.js';
import type { HttpProblem } from './domainErrors.js';
import { commandProblem } from './domainErrors.js';
import type { IdempotencyStore } from './idempotency.js';
import { commandIdOf, derivedId, requestHash } from './idempotency.js';
import {
  ApproveBody,
  CreateInvoiceBody,
  CreditNoteBody,
  PatchInvoiceBody,
  PaymentBody,
  ReasonBody,
  SendBody,
} from './requests.js';
import { toCreateDraft, toCreditNoteRequest, toReviseDraft } from './toDomain.js';
import type { Spec } from './wire.js';
import { errorDetails } from './wire.js';
import { foldLoaded } from '@accrue/domain';

/** An answer: a status and a JSON body (a resource, or the error envelope). */
interface Answer {
  readonly status: number;
  readonly body: unknown;
}

/** How long a command waits for the read models to reflect it before answering 503 (still recorded). */
const READ_YOUR_WRITES_MS = 10_000;

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

const problem = (p: HttpProblem): Answer => ({
  status: p.status,
  body: { error: { code: p.code, message: p.message, details: p.details } },
});

const notFound: Answer = problem({ status: 404, code: 'not_found', message: 'no such invoice', details: [] });

/** Answers worth replaying to a retry: the command ran and its outcome is final. */
const isFinal = (status: number): boolean =>
  (status >= 200 && status < 300) || status === 404 || status === 422;

interface CommandInput<A> {
  readonly tenantId: TenantId;
  readonly invoiceId: InvoiceId | undefined;
  readonly body: A;
  readonly context: CommandContext & { readonly now: Timestamp };
  /** An id for a new entity: derived from the idempotency key when there is one, so a retry reuses it. */
  readonly newId: (purpose: string) => string;
}

type CommandRun<A> = (input: CommandInput<A>) => Promise<Answer>;

const send = (reply: FastifyReply, answer: Answer): FastifyReply =>
  reply.code(answer.status).type('application/json; charset=utf-8').send(answer.body);

export const registerInvoiceRoutes = (
  app: FastifyInstance,
  deps: AppDeps,
  idempotency: IdempotencyStore,
): void => {
  const { runtime } = deps;
  const store = runtime.store;
  const hashing = { sha256: nativeSha256 };
  const approval = { ...runtime.approval, sha256: nativeSha256 };

  const invoiceIdOf = (request: FastifyRequest): InvoiceId | undefined => {
    const { id } = request.params as { id?: unknown };
    return InvoiceId.is(id) ? id : undefined;
  };

  /** The resource as of `position` (read-your-writes: waits for the projections to apply it). */
  const resourceAfter = async (
    tenantId: string,
    invoiceId: string,
    position: bigint | undefined,
    status: number,
  ): Promise<Answer> => {
    if (position !== undefined && !(await deps.runner.waitFor(position, READ_YOUR_WRITES_MS))) {
      return problem({
        status: 503,
        code: 'read_model_lagging',
        message:
          'the command was recorded but the read models have not caught up; retry with the same Idempotency-Key',
        details: [],
      });
    }
    const view = await deps.queries.getInvoice(tenantId, invoiceId);
    return view === undefined ? notFound : { status, body: invoiceResource(view) };
  };

  const invoiceAnswer = async (
    outcome: E.Either<
      HandleError<InvoiceError> | Parameters<typeof commandProblem>[0],
      HandleResult<InvoiceEvent, InvoiceState>
    >,
    tenantId: string,
    invoiceId: string,
    status = 200,
  ): Promise<Answer> =>
    E.isLeft(outcome)
      ? problem(commandProblem(outcome.left))
      : resourceAfter(tenantId, invoiceId, outcome.right.position, status);

  const runInvoiceCommand = (
    input: CommandInput<unknown>,
    invoiceId: InvoiceId,
    command: InvoiceCommand,
    status = 200,
  ): Promise<Answer> =>
    handleCommand(
      store,
      invoiceAggregate,
      invoiceStream(input.tenantId, invoiceId),
      command,
      input.context,
      hashing,
    )().then((outcome) => invoiceAnswer(outcome, input.tenantId, invoiceId, status));

  /** Checks `If-Match: <version>` against the invoice stream; undefined when it holds or is absent. */
  const versionCheck = async (
    request: FastifyRequest,
    tenantId: string,
    invoiceId: string,
  ): Promise<Answer | undefined> => {
    const header: string | undefined = request.headers['if-match'];
    if (header === undefined) return undefined;
    const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
    if (match === null)
      return problem({
        status: 400,
        code: 'invalid_if_match',
        message: 'If-Match must be the invoice version, e.g. If-Match: "3"',
        details: [{ path: 'If-Match', message: 'expected a version number' }],
      });
    const history = await store.readStream(invoiceStream(tenantId, invoiceId))();
    if (E.isLeft(history)) return problem(commandProblem(history.left));
    if (history.right.length === 0) return notFound;
    return String(history.right.length) === match[1]
      ? undefined
      : problem({
          status: 409,
          code: 'version_conflict',
          message: `the invoice is at version ${history.right.length}, not ${match[1] ?? ''}`,
          details: [],
        });
  };

  /**
   * Runs a command route: tenant and path, `Idempotency-Key` (a retry with the same key and request gets the
   * first answer; the same key with another request is 409), body decoding (400 with field paths), then the
   * command. The key, scoped by tenant and route, is the command id, so the event log deduplicates too.
   */
  const commandRoute =
    <A>(scope: string, spec: Spec<A>, needsInvoice: boolean, run: CommandRun<A>) =>
    async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
      const tenantId = request.tenantId;
      if (!TenantId.is(tenantId)) throw new Error('the API key ring gave a tenant id the domain refuses');
      const invoiceId = invoiceIdOf(request);
      if (needsInvoice && invoiceId === undefined) return send(reply, notFound);
      const now = runtime.clock.now();
      if (!Timestamp.is(now)) throw new Error(`the clock gave ${now}, not a timestamp`);

      const header = request.headers['idempotency-key'];
      const key = Array.isArray(header) ? header[0] : header;
      if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
        return sendError(
          reply,
          400,
          'invalid_idempotency_key',
          'Idempotency-Key must be 1 to 255 visible ASCII characters',
          [{ path: 'Idempotency-Key', message: 'expected 1 to 255 visible ASCII characters' }],
        );
      }
      const execute = async (commandId: string): Promise<Answer> => {
        const decoded = spec.codec.decode(request.body ?? {});
        if (E.isLeft(decoded)) {
          return problem({
            status: 400,
            code: 'invalid_request',
            message: 'the request body is invalid',
            details: errorDetails(decoded.left),
          });
        }
        if (invoiceId !== undefined) {
          const conflict = await versionCheck(request, tenantId, invoiceId);
          if (conflict !== undefined) return conflict;
        }
        return run({
          tenantId,
          invoiceId,
          body: decoded.right,
          context: { tenantId, commandId, correlationId: request.id, actor: `api:${tenantId}`, now },
          newId: (purpose) => (key === undefined ? runtime.ids.next() : derivedId(commandId, purpose)),
        });
      };

      if (key === undefined) return send(reply, await execute(`http-${runtime.ids.next()}`));

      const hash = requestHash(scope, { id: invoiceId ?? null }, request.body);
      const reused = problem({
        status: 409,
        code: 'idempotency_key_reused',
        message: 'this Idempotency-Key was used for another request',
        details: [],
      });
      const answer = await idempotency.locks.run(`${tenantId}\u0000${scope}\u0000${key}`, async () => {
        const stored = await idempotency.find(tenantId, scope, key);
        if (stored !== undefined) {
          reply.header('idempotent-replayed', 'true');
          return stored.requestHash === hash ? { status: stored.status, body: stored.body } : reused;
        }
        const fresh = await execute(commandIdOf(tenantId, scope, key));
        if (!isFinal(fresh.status)) return fresh;
        const standing = await idempotency.save(tenantId, scope, key, { requestHash: hash, ...fresh });
        return standing.requestHash === hash ? { status: standing.status, body: standing.body } : reused;
      });
      return send(reply, answer);
    };

  const requireInvoice = (input: CommandInput<unknown>): InvoiceId => {
    if (input.invoiceId === undefined) throw new Error('route without an invoice id');
    return input.invoiceId;
  };

  app.post(
    '/v1/invoices',
    commandRoute('invoices.create', CreateInvoiceBody, false, async (input) => {
      const invoiceId = input.newId('invoice');
      if (!InvoiceId.is(invoiceId)) throw new Error(`generated invoice id ${invoiceId} is not an identifier`);
      const { tenantId, context } = input;
      return runInvoiceCommand(
        input,
        invoiceId,
        toCreateDraft({ tenantId, invoiceId, now: context.now }, input.body),
        201,
      );
    }),
  );

  app.patch(
    '/v1/invoices/:id',
    commandRoute('invoices.patch', PatchInvoiceBody, true, async (input) => {
      const invoiceId = requireInvoice(input);
      const { tenantId, context } = input;
      return runInvoiceCommand(
        input,
        invoiceId,
        toReviseDraft({ tenantId, invoiceId, now: context.now }, input.body),
      );
    }),
  );

  app.post(
    '/v1/invoices/:id/approve',
    commandRoute('invoices.approve', ApproveBody, true, async (input) => {
      const invoiceId = requireInvoice(input);
      const { tenantId, context } = input;
      const outcome = await approveInvoice(approval, { tenantId, invoiceId, now: context.now }, context)();
      return invoiceAnswer(outcome, tenantId, invoiceId);
    }),
  );

  app.post(
    '/v1/invoices/:id/send',
    commandRoute('invoices.send', SendBody, true, async (input) => {
      const invoiceId = requireInvoice(input);
      const { tenantId, context, body } = input;
      return runInvoiceCommand(input, invoiceId, {
        type: 'SendInvoice',
        data: { invoiceId, tenantId, now: context.now, channel: body.channel },
      });
    }),
  );

  app.post(
    '/v1/invoices/:id/payments',
    commandRoute('invoices.payments', PaymentBody, true, async (input) => {
      const invoiceId = requireInvoice(input);
      const { tenantId, context, body } = input;
      // Payments are in the invoice's currency: read it from the invoice itself (the read model may lag).
      const history = await loadStream(store, invoiceAggregate.events, invoiceStream(tenantId, invoiceId))();
      if (E.isLeft(history)) return problem(commandProblem(history.left));
      const state = foldLoaded(invoiceAggregate.decider, history.right);
      if (state._tag === 'NoInvoice' || state.tenantId !== tenantId) return notFound;
      const paymentId = input.newId('payment');
      if (!PaymentId.is(paymentId)) throw new Error(`generated payment id ${paymentId} is not valid`);
      return runInvoiceCommand(input, invoiceId, {
        type: 'RecordPayment',
        data: {
          invoiceId,
          tenantId,
          now: context.now,
          paymentId,
          amount: thawDecimal(body.amount),
          currency: state.content.currency,
          paidAt: body.paid_at,
          ...(body.reference === undefined ? {} : { reference: body.reference }),
        },
      });
    }),
  );

  app.post(
    '/v1/invoices/:id/void',
    commandRoute('invoices.void', ReasonBody, true, async (input) => {
      const invoiceId = requireInvoice(input);
      const { tenantId, context, body } = input;
      return runInvoiceCommand(input, invoiceId, {
        type: 'VoidInvoice',
        data: { invoiceId, tenantId, now: context.now, reason: body.reason },
      });
    }),
  );

  app.post(
    '/v1/invoices/:id/write-off',
    commandRoute('invoices.write_off', ReasonBody, true, async (input) => {
      const invoiceId = requireInvoice(input);
      const { tenantId, context, body } = input;
      return runInvoiceCommand(input, invoiceId, {
        type: 'WriteOffInvoice',
        data: { invoiceId, tenantId, now: context.now, reason: body.reason },
      });
    }),
  );

  app.post(
    '/v1/invoices/:id/credit-notes',
    commandRoute('invoices.credit_notes', CreditNoteBody, true, async (input) => {
      const invoiceId = requireInvoice(input);
      const { tenantId, context, body } = input;
      const creditNoteId = input.newId('credit-note');
      if (!CreditNoteId.is(creditNoteId))
        throw new Error(`generated credit note id ${creditNoteId} is not valid`);
      const outcome = await issueCreditNote(
        approval,
        {
          tenantId,
          invoiceId,
          creditNoteId,
          now: context.now,
          reason: body.reason,
          content: toCreditNoteRequest(body),
        },
        context,
      )();
      if (E.isLeft(outcome)) return problem(commandProblem(outcome.left));
      // A credit note stream holds exactly its issue event.
      const issued = outcome.right.creditNote.events[0];
      if (issued === undefined) throw new Error('an issued credit note without its event');
      const invoice = await resourceAfter(tenantId, invoiceId, outcome.right.invoice.position, 200);
      if (invoice.status !== 200) return invoice;
      return { status: 201, body: { credit_note: creditNoteResource(issued.event), invoice: invoice.body } };
    }),
  );

  app.get('/v1/invoices/:id', async (request, reply) => {
    const invoiceId = invoiceIdOf(request);
    if (invoiceId === undefined) return send(reply, notFound);
    const view = await deps.queries.getInvoice(request.tenantId, invoiceId);
    if (view === undefined) return send(reply, notFound);
    reply.header('etag', `"${String(view.streamVersion)}"`);
    return send(reply, { status: 200, body: invoiceResource(view) });
  });

  app.get('/v1/invoices/:id/events', async (request, reply) => {
    const invoiceId = invoiceIdOf(request);
    if (invoiceId === undefined) return send(reply, notFound);
    const history = await store.readStream(invoiceStream(request.tenantId, invoiceId))();
    if (E.isLeft(history)) return send(reply, problem(commandProblem(history.left)));
    if (history.right.length === 0) return send(reply, notFound);
    return send(reply, {
      status: 200,
      body: {
        invoice_id: invoiceId,
        events: history.right.map((recorded) => ({
          event_id: recorded.eventId,
          type: recorded.type,
          stream_version: recorded.streamVersion,
          position: recorded.globalPosition.toString(),
          occurred_at: recorded.metadata['occurredAt'] ?? null,
          actor: recorded.metadata['actor'] ?? null,
          command_id: recorded.metadata['commandId'] ?? null,
          correlation_id: recorded.metadata['correlationId'] ?? null,
          prev_hash: recorded.metadata['prevHash'] ?? null,
          hash: recorded.metadata['hash'] ?? null,
          // The stored format, as written (camelCase): the audit trail shows the facts exactly.
          data: recorded.data,
        })),
      },
    });
  });

  app.get('/v1/invoices/:id/ubl', async (request, reply) => {
    const invoiceId = invoiceIdOf(request);
    if (invoiceId === undefined) return send(reply, notFound);
    const view = await deps.queries.getInvoice(request.tenantId, invoiceId);
    if (view === undefined) return send(reply, notFound);
    const seller = sellerFromEnv(deps.runtime.env);
    if (E.isLeft(seller)) return sendError(reply, 503, 'seller_not_configured', seller.left);
    const written = await exportDocument(deps.runtime.store, request.tenantId, invoiceId, seller.right);
    if (E.isRight(written)) return reply.code(200).type('application/xml; charset=utf-8').send(written.right);
    switch (written.left.kind) {
      case 'not_found':
        return send(reply, notFound);
      case 'read_failed':
        return sendError(reply, 503, 'store_unavailable', written.left.message);
      case 'refused':
        return sendError(reply, 422, snakeCode(written.left.tag ?? 'UblExportRefused'), written.left.message);
    }
  });
};
