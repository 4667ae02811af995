import type { UblSeller, UblWriteError } from '@accrue/adapters/ubl';
import {
  UblSeller as UblSellerCodec,
  describeUblWriteError,
  writeUblForCreditNote,
  writeUblForInvoice,
} from '@accrue/adapters/ubl';
import type { AsOf, EventStore } from '@accrue/domain';
import {
  creditNoteAggregate,
  creditNoteStream,
  invoiceAggregate,
  invoiceStream,
  stateAsOf,
} from '@accrue/domain';
import * as E from 'fp-ts/lib/Either.js';
import { PathReporter } from 'io-ts/lib/PathReporter.js';

/**
 * UBL 2.1 export of stored documents, shared by `accrue ubl` and `GET /v1/invoices/{id}/ubl`: the seller (the
 * tenant) from the environment, and the invoice or credit note folded from its stream.
 */

const EVERYTHING: AsOf = { _tag: 'Time', includes: () => true };

/** The seller settings, each with the business term it fills, for messages. */
export const SELLER_ENV = {
  name: 'ACCRUE_SELLER_NAME',
  vatId: 'ACCRUE_SELLER_VAT',
  country: 'ACCRUE_SELLER_COUNTRY',
  street: 'ACCRUE_SELLER_STREET',
  city: 'ACCRUE_SELLER_CITY',
  postalCode: 'ACCRUE_SELLER_POSTAL_CODE',
  legalId: 'ACCRUE_SELLER_LEGAL_ID',
  endpoint: 'ACCRUE_SELLER_ENDPOINT',
} as const;

const setting = (env: NodeJS.ProcessEnv, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === '' ? undefined : value;
};

/**
 * The seller (the tenant) from the environment. Name and country are required, there is no default seller;
 * the VAT identifier is checked by the export itself, which knows when the VAT categories need it.
 */
export const sellerFromEnv = (env: NodeJS.ProcessEnv): E.Either<string, UblSeller> => {
  const missing = [
    setting(env, SELLER_ENV.name) === undefined ? `${SELLER_ENV.name} (seller legal name, BT-27)` : undefined,
    setting(env, SELLER_ENV.country) === undefined
      ? `${SELLER_ENV.country} (seller country, ISO 3166-1 alpha-2 such as SE, BT-40)`
      : undefined,
  ].filter((entry): entry is string => entry !== undefined);
  if (missing.length > 0) return E.left(`the seller is not configured: set ${missing.join(' and ')}`);
  const endpoint = setting(env, SELLER_ENV.endpoint);
  const separator = endpoint?.indexOf(':') ?? -1;
  if (endpoint !== undefined && separator <= 0) {
    return E.left(`${SELLER_ENV.endpoint} must be SCHEME:ID, e.g. 0088:7300010000001 (BT-34)`);
  }
  const optional = (key: string, name: string): Record<string, string> => {
    const value = setting(env, name);
    return value === undefined ? {} : { [key]: value };
  };
  const decoded = UblSellerCodec.decode({
    ...optional('name', SELLER_ENV.name),
    ...optional('vatId', SELLER_ENV.vatId),
    ...optional('legalRegistrationId', SELLER_ENV.legalId),
    ...(endpoint === undefined
      ? {}
      : { endpoint: { scheme: endpoint.slice(0, separator), id: endpoint.slice(separator + 1) } }),
    address: {
      ...optional('countryCode', SELLER_ENV.country),
      ...optional('streetName', SELLER_ENV.street),
      ...optional('cityName', SELLER_ENV.city),
      ...optional('postalZone', SELLER_ENV.postalCode),
    },
  });
  if (E.isRight(decoded)) return decoded;
  const country = setting(env, SELLER_ENV.country) ?? '';
  return E.left(
    /^[A-Z]{2}$/.test(country)
      ? `the seller settings are invalid: ${PathReporter.report(decoded).join('; ')}`
      : `${SELLER_ENV.country} must be an ISO 3166-1 alpha-2 code such as SE (got "${country}")`,
  );
};

export const describeWriteError = (error: UblWriteError): string =>
  error._tag === 'MissingBusinessTerm' && error.path === 'seller.vatId'
    ? `${describeUblWriteError(error)}; set ${SELLER_ENV.vatId}`
    : describeUblWriteError(error);

/** Why a document could not be exported: it does not exist, the store failed, or the writer refused it. */
export interface UblExportFailure {
  readonly kind: 'not_found' | 'read_failed' | 'refused';
  /** The writer's error tag when refused (e.g. `CurrencyPrecisionUnsupported`). */
  readonly tag?: string;
  readonly message: string;
}

const failure = (kind: UblExportFailure['kind'], message: string, tag?: string): UblExportFailure => ({
  kind,
  message,
  ...(tag === undefined ? {} : { tag }),
});

const refused = (error: UblWriteError): UblExportFailure =>
  failure('refused', describeWriteError(error), error._tag);

/** The UBL of an invoice (draft or issued) or an issued credit note of `tenantId`. */
export const exportDocument = async (
  store: EventStore,
  tenantId: string,
  id: string,
  seller: UblSeller,
): Promise<E.Either<UblExportFailure, string>> => {
  const invoice = await stateAsOf(store, invoiceAggregate, invoiceStream(tenantId, id), EVERYTHING)();
  if (E.isLeft(invoice))
    return E.left(failure('read_failed', `cannot read invoice ${id}: ${invoice.left._tag}`));
  const { state } = invoice.right;
  if (state._tag !== 'NoInvoice') {
    // Another tenant's invoice reads as absent: its stream is named by this tenant, so it is simply not found.
    return E.mapLeft(refused)(writeUblForInvoice({ invoice: state, seller }));
  }
  const creditNote = await stateAsOf(
    store,
    creditNoteAggregate,
    creditNoteStream(tenantId, id),
    EVERYTHING,
  )();
  if (E.isLeft(creditNote))
    return E.left(failure('read_failed', `cannot read credit note ${id}: ${creditNote.left._tag}`));
  // A credit note stream holds exactly one event, CreditNoteIssued.
  const issued = creditNote.right.events[0];
  if (issued === undefined) return E.left(failure('not_found', `no invoice or credit note ${id}`));
  const credited = await stateAsOf(
    store,
    invoiceAggregate,
    invoiceStream(tenantId, issued.event.data.invoiceId),
    EVERYTHING,
  )();
  if (E.isLeft(credited))
    return E.left(failure('read_failed', `cannot read the credited invoice: ${credited.left._tag}`));
  if (credited.right.state._tag === 'NoInvoice') {
    return E.left(
      failure('read_failed', `credit note ${id}: its invoice ${issued.event.data.invoiceId} is missing`),
    );
  }
  return E.mapLeft(refused)(
    writeUblForCreditNote({
      creditNote: issued.event.data,
      customer: credited.right.state.content.customer,
      seller,
    }),
  );
};
