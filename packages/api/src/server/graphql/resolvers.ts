import * as E from 'fp-ts/lib/Either.js';
import type { IResolvers, MercuriusContext } from 'mercurius';
import mercurius from 'mercurius';

import type { AsOf, ReadError } from '@accrue/domain';
import {
  CivilDate,
  InvoiceId,
  InvoiceStatus,
  Timestamp,
  decodeRecordedEvent,
  invoiceAggregate,
  invoiceStream,
} from '@accrue/domain';
import type { InvoiceConnection, InvoiceDetailView, ListInvoicesOptions } from '@accrue/projections';
import { YearMonth } from '@accrue/projections';

import type { AppDeps } from '../app.js';
import { invoiceResource } from '../resource/index.js';
import type { InvoiceChanged } from './changeFeed.js';
import { ClientError, badUserInput } from './errors.js';
import { invoiceViewAsOf } from './invoiceAsOf.js';
import { invoiceObject } from './invoiceObject.js';
import { MAX_PAGE_SIZE } from './limits.js';
import { DateScalar, DateTimeScalar, JsonScalar, YearMonthScalar } from './scalars.js';

declare module 'mercurius' {
  interface MercuriusContext {
    /** The tenant of the request's API key: every resolver reads only this tenant's data. */
    tenantId: string;
    /** The log position the read models had reached when the query started (set before execution). */
    position?: bigint | undefined;
  }
}

export const invoiceTopic = (tenantId: string): string => `invoiceChanged:${tenantId}`;

/** Resolver arguments arrive untyped from graphql-js; each is checked before use. */
type Args = Readonly<Record<string, unknown>>;

const optionalString = (args: Args, name: string): string | undefined => {
  const value = args[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw badUserInput(`${name} must be a string`, { argument: name });
  return value;
};

/** Dates and months were decoded by their scalars already; checked again here to carry the brand. */
const optionalDate = (args: Args, name: string): CivilDate | undefined => {
  const value = optionalString(args, name);
  if (value === undefined || CivilDate.is(value)) return value;
  throw badUserInput(`${name} must be a calendar date YYYY-MM-DD`, { argument: name });
};

const requiredMonth = (args: Args, name: string): YearMonth => {
  const value = args[name];
  if (YearMonth.is(value)) return value;
  throw badUserInput(`${name} must be a calendar month YYYY-MM`, { argument: name });
};

const requiredDate = (args: Args, name: string): CivilDate => {
  const value = optionalDate(args, name);
  if (value === undefined) throw badUserInput(`${name} is required`, { argument: name });
  return value;
};

const dateRange = (args: Args): { from: CivilDate; to: CivilDate } => {
  const from = requiredDate(args, 'from');
  const to = requiredDate(args, 'to');
  if (from > to) throw badUserInput('from must be on or before to', { argument: 'from' });
  return { from, to };
};

const invoiceIdArg = (args: Args, name = 'id'): string => {
  const value = args[name];
  if (!InvoiceId.is(value))
    throw badUserInput(`${name} is not an invoice id (letters, digits and _ . : -, at most 128)`, {
      argument: name,
    });
  return value;
};

const firstArg = (args: Args): number | undefined => {
  const value = args['first'];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_PAGE_SIZE)
    throw badUserInput(`first must be a whole number from 0 to ${String(MAX_PAGE_SIZE)}`, {
      argument: 'first',
      max: MAX_PAGE_SIZE,
    });
  return value;
};

const statusArg = (args: Args): InvoiceStatus | 'overdue' | undefined => {
  const value = args['status'];
  if (value === undefined || value === null) return undefined;
  if (value === 'overdue' || InvoiceStatus.is(value)) return value;
  throw badUserInput('status is not an invoice status', { argument: 'status' });
};

/** The store failed: say so without its internals; a damaged event is a bug, reported as internal. */
const readFailure = (error: ReadError): Error => {
  switch (error._tag) {
    case 'StoreUnavailable':
      return new ClientError('the event store is unavailable; try again shortly', 'SERVICE_UNAVAILABLE');
    case 'CorruptEvent':
      return new Error(`CorruptEvent: ${error.reason}`);
  }
};

/** The Invoice type: the REST resource, in camelCase (one builder, so the two never drift). */
const toInvoice = (view: InvoiceDetailView): unknown => invoiceObject(invoiceResource(view));

interface EdgeSource {
  readonly cursor: string;
  readonly invoiceId: string;
}

const connection = (page: InvoiceConnection) => ({
  edges: page.edges.map((edge): EdgeSource => ({ cursor: edge.cursor, invoiceId: edge.node.invoiceId })),
  pageInfo: { hasNextPage: page.pageInfo.hasNextPage, endCursor: page.pageInfo.endCursor ?? null },
});

interface CustomerSource {
  readonly id: string;
  readonly name: string;
}

interface ChangePayload {
  readonly invoiceChanged: InvoiceChanged;
}

const isChangePayload = (value: unknown): value is ChangePayload =>
  typeof value === 'object' && value !== null && 'invoiceChanged' in value;

/** The resolvers, every one scoped by `context.tenantId`. */
export const createResolvers = (deps: AppDeps, startChangeFeed: () => void): IResolvers => {
  const { queries } = deps;

  const listInvoices = async (tenantId: string, args: Args, customerId: string | undefined) => {
    const status = statusArg(args);
    const first = firstArg(args);
    const after = optionalString(args, 'after');
    const from = optionalDate(args, 'from');
    const to = optionalDate(args, 'to');
    const asOf = optionalDate(args, 'asOf');
    const options: ListInvoicesOptions = {
      ...(first === undefined ? {} : { first }),
      ...(after === undefined ? {} : { after }),
      ...(status === undefined ? {} : { status }),
      ...(customerId === undefined ? {} : { customerId }),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
      ...(asOf === undefined ? {} : { asOf }),
    };
    const page = await queries.listInvoices(tenantId, options);
    if (E.isRight(page)) return connection(page.right);
    switch (page.left._tag) {
      case 'InvalidCursor':
        throw badUserInput('after is not a cursor of this list', { argument: 'after' });
      case 'AsOfRequired':
        throw badUserInput('status overdue needs asOf, the date it is judged on', { argument: 'asOf' });
    }
  };

  const customer = async (tenantId: string, id: string): Promise<CustomerSource | null> => {
    // A customer exists for a tenant through its invoices; the newest one names it.
    const page = await queries.listInvoices(tenantId, { customerId: id, first: 1 });
    const newest = E.isRight(page) ? page.right.edges[0] : undefined;
    return newest === undefined ? null : { id, name: newest.node.customer.name };
  };

  const invoice = async (tenantId: string, id: string): Promise<unknown> => {
    const view = await queries.getInvoice(tenantId, id);
    return view === undefined ? null : toInvoice(view);
  };

  return {
    Date: DateScalar,
    YearMonth: YearMonthScalar,
    DateTime: DateTimeScalar,
    JSON: JsonScalar,
    Query: {
      readModelPosition: async () => (await queries.readModelPosition())?.toString() ?? null,
      invoice: (_root: unknown, args: Args, ctx: MercuriusContext) =>
        invoice(ctx.tenantId, invoiceIdArg(args)),
      invoices: (_root: unknown, args: Args, ctx: MercuriusContext) =>
        listInvoices(ctx.tenantId, args, optionalString(args, 'customerId')),
      customer: (_root: unknown, args: Args, ctx: MercuriusContext) => {
        const id = optionalString(args, 'id');
        return id === undefined ? null : customer(ctx.tenantId, id);
      },
      agingReport: (_root: unknown, args: Args, ctx: MercuriusContext) =>
        queries.agingReport(ctx.tenantId, requiredDate(args, 'asOf')),
      taxReport: (_root: unknown, args: Args, ctx: MercuriusContext) => {
        const { from, to } = dateRange(args);
        return queries.taxReport(ctx.tenantId, from, to);
      },
      revenue: (_root: unknown, args: Args, ctx: MercuriusContext) => {
        const from = requiredMonth(args, 'from');
        const to = requiredMonth(args, 'to');
        if (from > to) throw badUserInput('from must be on or before to', { argument: 'from' });
        return queries.revenue(ctx.tenantId, from, to);
      },
      invoiceHistory: async (_root: unknown, args: Args, ctx: MercuriusContext) => {
        const stream = invoiceStream(ctx.tenantId, invoiceIdArg(args));
        const recorded = await deps.runtime.store.readStream(stream)();
        if (E.isLeft(recorded)) throw readFailure(recorded.left);
        if (recorded.right.length === 0) return null;
        return recorded.right.map((event) => {
          const decoded = decodeRecordedEvent(invoiceAggregate.events, event);
          if (E.isLeft(decoded)) throw readFailure(decoded.left);
          const { metadata } = decoded.right;
          return {
            type: event.type,
            version: event.streamVersion,
            position: event.globalPosition.toString(),
            eventId: event.eventId,
            occurredAt: metadata.occurredAt,
            actor: metadata.actor,
            commandId: metadata.commandId,
            correlationId: metadata.correlationId,
            causationId: metadata.causationId,
            hash: metadata.hash,
            prevHash: metadata.prevHash,
            // The data as the current codec writes it (upcast from older schema versions).
            data: invoiceAggregate.events.codec.encode(decoded.right.event).data,
          };
        });
      },
      invoiceAsOf: async (_root: unknown, args: Args, ctx: MercuriusContext) => {
        const id = invoiceIdArg(args);
        const at = optionalString(args, 'at');
        const position = optionalString(args, 'position');
        if ((at === undefined) === (position === undefined))
          throw badUserInput('give exactly one of at and position');
        let asOf: AsOf;
        if (position !== undefined) {
          if (!/^[0-9]{1,30}$/.test(position))
            throw badUserInput('position must be a log position (a whole number)', { argument: 'position' });
          asOf = { _tag: 'Position', position: BigInt(position) };
        } else {
          const instant = Date.parse(Timestamp.is(at) ? at : '');
          if (Number.isNaN(instant)) throw badUserInput('at must be an ISO 8601 instant', { argument: 'at' });
          asOf = { _tag: 'Time', includes: (occurredAt) => Date.parse(occurredAt) <= instant };
        }
        const view = await invoiceViewAsOf(deps.runtime.store, ctx.tenantId, id, asOf);
        if (E.isLeft(view)) throw readFailure(view.left);
        return view.right === undefined ? null : toInvoice(view.right);
      },
    },
    InvoiceEdge: {
      node: async (edge: EdgeSource, _args: Args, ctx: MercuriusContext) => {
        const view = await queries.getInvoice(ctx.tenantId, edge.invoiceId);
        // Rows are never deleted while live: a listed invoice always has its detail.
        if (view === undefined) throw new Error(`invoice ${edge.invoiceId} listed without a detail row`);
        return toInvoice(view);
      },
    },
    InvoiceCustomer: {
      account: (source: { readonly id: string }, _args: Args, ctx: MercuriusContext) =>
        customer(ctx.tenantId, source.id),
    },
    Customer: {
      balance: (source: CustomerSource, args: Args, ctx: MercuriusContext) =>
        queries.customerBalance(ctx.tenantId, source.id, optionalDate(args, 'asOf')),
      statement: async (source: CustomerSource, args: Args, ctx: MercuriusContext) => {
        const { from, to } = dateRange(args);
        const statement = await queries.customerStatement(ctx.tenantId, source.id, from, to);
        return { from: statement.from, to: statement.to, currencies: statement.currencies };
      },
      invoices: (source: CustomerSource, args: Args, ctx: MercuriusContext) =>
        listInvoices(ctx.tenantId, args, source.id),
    },
    InvoiceChange: {
      invoice: (change: InvoiceChanged, _args: Args, ctx: MercuriusContext) =>
        invoice(ctx.tenantId, change.invoiceId),
    },
    Subscription: {
      invoiceChanged: {
        subscribe: mercurius.withFilter(
          async (_root: unknown, _args: Args, ctx: MercuriusContext) => {
            startChangeFeed();
            return ctx.pubsub.subscribe(invoiceTopic(ctx.tenantId));
          },
          (payload: unknown, args: Args) => {
            if (!isChangePayload(payload)) return false;
            const id = args['id'];
            return id === undefined || id === null || payload.invoiceChanged.invoiceId === id;
          },
        ),
      },
    },
  };
};
