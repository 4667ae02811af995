import { requestSchemas } from './requests.js';
import type { JsonSchema } from './wire.js';

/**
 * The OpenAPI 3.1 document of the REST API. Request bodies come from the same specs that decode them
 * (`requests.ts`), so the document cannot drift from what the server accepts; responses are described here.
 */

const amount = { type: 'string', description: 'decimal string in the currency scale', examples: ['120.50'] };
const nullableString = { type: ['string', 'null'] };
const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

const allowanceResource = {
  type: 'object',
  properties: {
    amount: { type: ['string', 'null'] },
    percent: nullableString,
    reason: nullableString,
    tax_category: { type: 'string' },
    tax_rate: nullableString,
  },
};

const totals = {
  type: 'object',
  required: [
    'line_extension_amount',
    'allowance_total_amount',
    'charge_total_amount',
    'tax_exclusive_amount',
    'tax_amount',
    'tax_inclusive_amount',
    'prepaid_amount',
    'payable_rounding_amount',
    'payable_amount',
  ],
  properties: Object.fromEntries(
    [
      'line_extension_amount',
      'allowance_total_amount',
      'charge_total_amount',
      'tax_exclusive_amount',
      'tax_amount',
      'tax_inclusive_amount',
      'prepaid_amount',
      'payable_rounding_amount',
      'payable_amount',
    ].map((name) => [name, amount]),
  ),
};

const taxBreakdown = {
  type: 'object',
  required: ['category', 'rate', 'taxable_amount', 'tax_amount'],
  properties: {
    category: { type: 'string' },
    rate: nullableString,
    taxable_amount: amount,
    tax_amount: amount,
  },
};

const responseSchemas: Readonly<Record<string, JsonSchema>> = {
  Invoice: {
    type: 'object',
    description:
      'An invoice. Drafts have number null and totals computed from their content; issued invoices show the totals frozen at approval.',
    required: [
      'id',
      'number',
      'status',
      'currency',
      'customer',
      'issue_date',
      'due_date',
      'lines',
      'totals',
      'tax_breakdown',
      'amount_paid',
      'amount_due',
      'version',
    ],
    properties: {
      id: { type: 'string' },
      number: nullableString,
      status: {
        type: 'string',
        enum: ['draft', 'approved', 'sent', 'partially_paid', 'paid', 'void', 'uncollectible'],
      },
      currency: { type: 'string' },
      series: { type: 'string' },
      customer: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          name: { type: 'string' },
          email: nullableString,
          vat_number: nullableString,
          address: {
            type: ['object', 'null'],
            properties: {
              line1: { type: 'string' },
              line2: nullableString,
              city: { type: 'string' },
              postal_code: { type: 'string' },
              country: { type: 'string' },
            },
          },
        },
      },
      issue_date: { type: 'string', format: 'date' },
      due_date: { type: 'string', format: 'date' },
      payment_terms_days: { type: ['integer', 'null'] },
      prices_include_tax: { type: 'boolean' },
      lines: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            description: nullableString,
            quantity: { type: 'string' },
            unit_price: nullableString,
            base_quantity: nullableString,
            unit_code: nullableString,
            tax_category: { type: 'string' },
            tax_rate: nullableString,
            allowances: { type: 'array', items: allowanceResource },
            charges: { type: 'array', items: allowanceResource },
            net_amount: { type: ['string', 'null'] },
          },
        },
      },
      allowances: { type: 'array', items: allowanceResource },
      charges: { type: 'array', items: allowanceResource },
      notes: nullableString,
      reference: nullableString,
      totals: { oneOf: [totals, { type: 'null' }] },
      tax_breakdown: { type: 'array', items: taxBreakdown },
      amount_paid: amount,
      amount_credited: amount,
      amount_written_off: amount,
      amount_due: { type: ['string', 'null'] },
      version: { type: 'integer', description: 'the invoice stream version (use with If-Match)' },
    },
  },
  CreditNoteIssued: {
    type: 'object',
    required: ['credit_note', 'invoice'],
    properties: {
      credit_note: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          number: { type: 'string' },
          invoice_id: { type: 'string' },
          invoice_number: { type: 'string' },
          currency: { type: 'string' },
          reason: { type: 'string' },
          issue_date: { type: 'string', format: 'date' },
          totals,
          tax_breakdown: { type: 'array', items: taxBreakdown },
        },
      },
      invoice: ref('Invoice'),
    },
  },
  InvoiceEvents: {
    type: 'object',
    properties: {
      invoice_id: { type: 'string' },
      events: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            event_id: { type: 'string' },
            type: { type: 'string' },
            stream_version: { type: 'integer' },
            position: { type: 'string' },
            occurred_at: { type: 'string' },
            actor: { type: 'string' },
            command_id: { type: 'string' },
            correlation_id: { type: 'string' },
            prev_hash: nullableString,
            hash: { type: 'string' },
            data: { type: 'object', description: 'the event as stored (camelCase)' },
          },
        },
      },
    },
  },
  ProviderSyncStatus: {
    type: 'object',
    description: 'Where the invoice stands at each provider it was synced to (folded from its sync streams).',
    required: ['invoice_id', 'providers'],
    properties: {
      invoice_id: { type: 'string' },
      providers: {
        type: 'array',
        items: {
          type: 'object',
          required: ['provider', 'status', 'external_id', 'payment_link', 'last_error', 'operations'],
          properties: {
            provider: { type: 'string', examples: ['stripe'] },
            status: {
              type: 'string',
              enum: ['synced', 'pending', 'retrying', 'failed'],
              description: 'failed if any operation failed for good, else retrying, pending, or synced',
            },
            external_id: { ...nullableString, description: "the provider's id of the invoice" },
            payment_link: { ...nullableString, description: "the provider's hosted payment page" },
            last_error: nullableString,
            operations: {
              type: 'array',
              items: {
                type: 'object',
                required: ['operation', 'source_event_id', 'status', 'attempts'],
                properties: {
                  operation: {
                    type: 'string',
                    enum: ['issue', 'send', 'recordPayment', 'void', 'markUncollectible'],
                  },
                  source_event_id: { type: 'string', description: 'the invoice event that asked for it' },
                  status: { type: 'string', enum: ['pending', 'retrying', 'succeeded', 'failed'] },
                  attempts: { type: 'integer' },
                  requested_at: { type: 'string' },
                  updated_at: { type: 'string' },
                  next_attempt_at: nullableString,
                  last_error: nullableString,
                },
              },
            },
          },
        },
      },
    },
  },
  WebhookAnswer: {
    type: 'object',
    required: ['status'],
    properties: {
      status: { type: 'string', enum: ['recorded', 'duplicate', 'ignored', 'refused'] },
      kind: { type: 'string', enum: ['payment', 'delivery'] },
      invoice_id: { type: 'string' },
      reason: { type: 'string', description: 'why it was ignored (unknown_invoice, not_relevant…)' },
      code: { type: 'string', description: 'the invoice rule that refused it (Overpayment…)' },
    },
  },
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message', 'details'],
        properties: {
          code: { type: 'string', examples: ['invoice_not_draft'] },
          message: { type: 'string' },
          details: {
            type: 'array',
            items: {
              type: 'object',
              required: ['path', 'message'],
              properties: {
                path: { type: 'string', examples: ['lines[0].unit_price'] },
                message: { type: 'string' },
              },
            },
          },
          request_id: { type: 'string' },
        },
      },
    },
  },
};

const error = (description: string): JsonSchema => ({
  description,
  content: { 'application/json': { schema: ref('Error') } },
});

const errors = {
  '400': error('Malformed or invalid input; `details` name the fields (`lines[0].unit_price`).'),
  '401': error('No or unknown API key.'),
  '404': error('No such invoice for this tenant.'),
  '413': error('Body larger than the limit.'),
};

const commandErrors = {
  ...errors,
  '409': error('Version conflict (If-Match), or the Idempotency-Key was used for another request.'),
  '422': error('A domain rule refused the command; `code` names it (`invoice_not_draft`, `overpayment`…).'),
  '503': error('Recorded, but the read models lag: retry with the same Idempotency-Key.'),
};

const json = (schema: JsonSchema): JsonSchema => ({ 'application/json': { schema } });

const idParameter = { name: 'id', in: 'path', required: true, schema: { type: 'string' } };
const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    'A retry with the same key and request returns the first answer and changes nothing; the same key with another request is 409.',
  schema: { type: 'string', maxLength: 255 },
};
const ifMatch = {
  name: 'If-Match',
  in: 'header',
  required: false,
  description: 'The invoice version the change is based on; another version is 409.',
  schema: { type: 'string' },
};

const action = (summary: string, schema: string, okStatus = '200', okSchema = 'Invoice'): JsonSchema => ({
  summary,
  parameters: [idParameter, idempotencyKey, ifMatch],
  requestBody: { required: schema !== 'Approve', content: json(ref(schema)) },
  responses: { [okStatus]: { description: 'OK', content: json(ref(okSchema)) }, ...commandErrors },
});

/** The whole document, built once. */
export const openApiDocument = (): JsonSchema => ({
  openapi: '3.1.0',
  info: {
    title: 'Accrue',
    version: '1',
    description:
      'Event-sourced invoicing: HTTP commands. JSON in snake_case; amounts, quantities, prices and rates are decimal strings.',
  },
  jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
  servers: [{ url: '/' }],
  security: [{ apiKey: [] }],
  components: {
    securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer KEY' } },
    schemas: {
      ...Object.fromEntries(Object.entries(requestSchemas).map(([name, spec]) => [name, spec.schema])),
      ...responseSchemas,
    },
  },
  paths: {
    '/v1/invoices': {
      post: {
        summary: 'Create a draft invoice',
        parameters: [idempotencyKey],
        requestBody: { required: true, content: json(ref('CreateInvoice')) },
        responses: {
          '201': { description: 'Created', content: json(ref('Invoice')) },
          ...commandErrors,
        },
      },
    },
    '/v1/invoices/{id}': {
      get: {
        summary: 'An invoice',
        parameters: [idParameter],
        responses: { '200': { description: 'OK', content: json(ref('Invoice')) }, ...errors },
      },
      patch: {
        summary: 'Change a draft',
        parameters: [idParameter, ifMatch],
        requestBody: { required: true, content: json(ref('PatchInvoice')) },
        responses: { '200': { description: 'OK', content: json(ref('Invoice')) }, ...commandErrors },
      },
    },
    '/v1/invoices/{id}/approve': { post: action('Approve (assigns the number)', 'Approve') },
    '/v1/invoices/{id}/send': { post: action('Record that the invoice was sent', 'Send') },
    '/v1/invoices/{id}/payments': { post: action('Record a payment', 'Payment') },
    '/v1/invoices/{id}/void': { post: action('Void an issued invoice nobody paid', 'Reason') },
    '/v1/invoices/{id}/write-off': { post: action('Write off what is due', 'Reason') },
    '/v1/invoices/{id}/credit-notes': {
      post: action('Issue a credit note', 'CreditNote', '201', 'CreditNoteIssued'),
    },
    '/v1/invoices/{id}/events': {
      get: {
        summary: 'The audit trail: every event of the invoice, with its hash chain',
        parameters: [idParameter],
        responses: { '200': { description: 'OK', content: json(ref('InvoiceEvents')) }, ...errors },
      },
    },
    '/v1/invoices/{id}/sync': {
      get: {
        summary:
          'Provider sync status: per provider, its id and payment link, every operation and the last error',
        parameters: [idParameter],
        responses: { '200': { description: 'OK', content: json(ref('ProviderSyncStatus')) }, ...errors },
      },
    },
    '/v1/webhooks/{provider}': {
      post: {
        summary: 'A signed provider webhook (Stripe, Incard, Invoro, Corebill; Dollr is polled)',
        description:
          'No API key: the signature over the raw body (Stripe-Signature, X-Incard-Signature, X-Signature-SHA256, X-Webhook-Signature) authenticates the delivery and names the tenant. Payments become RecordPayment and delivery confirmations MarkInvoiceDelivered, idempotent under redelivery. Forged, stale or malformed deliveries change nothing.',
        security: [],
        parameters: [
          {
            name: 'provider',
            in: 'path',
            required: true,
            schema: { type: 'string', enum: ['stripe', 'incard', 'invoro', 'corebill'] },
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: { type: 'object', description: "the provider's event, as it signed it" },
            },
          },
        },
        responses: {
          '200': {
            description: 'Recorded, duplicate, ignored or refused by an invoice rule',
            content: json(ref('WebhookAnswer')),
          },
          '400': error('Malformed delivery: nothing changed.'),
          '401': error('Missing, forged or stale signature: nothing changed.'),
          '404': error('Unknown provider, or no connection of that provider takes webhooks.'),
          '413': error('Body larger than the webhook limit.'),
          '503': error('The store is unavailable: deliver again later.'),
        },
      },
    },
    '/v1/invoices/{id}/ubl': {
      get: {
        summary: 'The invoice as UBL 2.1 XML',
        parameters: [idParameter],
        responses: {
          '200': { description: 'OK', content: { 'application/xml': { schema: { type: 'string' } } } },
          '501': error('UBL export is not available in this build.'),
          ...errors,
        },
      },
    },
  },
});
