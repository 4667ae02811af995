/**
 * The GraphQL read API's schema. `Invoice` mirrors the REST invoice resource (`../resource/invoiceResource.ts`)
 * field for field in camelCase; amounts, quantities, prices and rates are decimal strings (never floats), log
 * positions are decimal strings (they can exceed 2^53). Every query is scoped to the API key's tenant: an id of
 * another tenant reads exactly like an id that does not exist (null, or an empty list).
 */
export const schema = /* GraphQL */ `
  "A calendar date, YYYY-MM-DD."
  scalar Date
  "A calendar month, YYYY-MM."
  scalar YearMonth
  "An instant with an explicit offset (ISO 8601), e.g. 2026-03-01T09:30:00Z."
  scalar DateTime
  "Any JSON value (event data in its stored form)."
  scalar JSON

  enum InvoiceStatus {
    draft
    approved
    sent
    partially_paid
    paid
    void
    uncollectible
  }

  "A lifecycle status, or overdue (open, something due, due date before asOf: needs asOf)."
  enum InvoiceStatusFilter {
    draft
    approved
    sent
    partially_paid
    paid
    void
    uncollectible
    overdue
  }

  type Query {
    "The log position every read model reflects (null before anything was applied)."
    readModelPosition: String
    "One invoice; null when unknown to this tenant."
    invoice(id: ID!): Invoice
    "Invoices, newest issue date first. first: 0–100 (default 20); from/to bound the issue date (inclusive)."
    invoices(
      first: Int
      after: String
      status: InvoiceStatusFilter
      customerId: ID
      from: Date
      to: Date
      asOf: Date
    ): InvoiceConnection!
    "A customer with at least one invoice of this tenant; null otherwise."
    customer(id: ID!): Customer
    "Accounts receivable aging on a date."
    agingReport(asOf: Date!): AgingReport!
    "VAT per currency, category and rate for documents dated from–to (inclusive)."
    taxReport(from: Date!, to: Date!): TaxReport!
    "Revenue per month and currency for the months from–to (inclusive)."
    revenue(from: YearMonth!, to: YearMonth!): [RevenueRow!]!
    "The audit trail: the events of the invoice's stream, oldest first; null when unknown to this tenant."
    invoiceHistory(id: ID!): [InvoiceEvent!]
    """
    The invoice as it stood at an instant (at) or a log position (position; exactly one of the two), folded from
    its stream; null when it did not exist then or is unknown to this tenant.
    """
    invoiceAsOf(id: ID!, at: DateTime, position: String): Invoice
  }

  type Subscription {
    "Published once the read models have applied an event of one of this tenant's invoices (of id, when given)."
    invoiceChanged(id: ID): InvoiceChange!
  }

  type InvoiceChange {
    invoiceId: ID!
    "The event type, e.g. PaymentRecorded."
    type: String!
    "The invoice stream's version after the event."
    version: Int!
    position: String!
    "The invoice as the read models show it now."
    invoice: Invoice
  }

  type Invoice {
    id: ID!
    number: String
    status: InvoiceStatus!
    currency: String!
    series: String!
    customer: InvoiceCustomer!
    issueDate: Date!
    dueDate: Date!
    paymentTermsDays: Int
    pricesIncludeTax: Boolean!
    lines: [InvoiceLine!]!
    allowances: [DocumentAllowanceCharge!]!
    charges: [DocumentAllowanceCharge!]!
    notes: String
    reference: String
    totals: InvoiceTotals
    taxBreakdown: [TaxBreakdown!]!
    amountPaid: String!
    amountCredited: String!
    amountWrittenOff: String!
    amountDue: String
    "The invoice stream's version: the number of its events."
    version: Int!
  }

  type InvoiceCustomer {
    id: ID!
    name: String!
    email: String
    vatNumber: String
    address: Address
    "The customer's account with this tenant: balance, statement, invoices."
    account: Customer
  }

  type Address {
    line1: String!
    line2: String
    city: String!
    postalCode: String!
    country: String!
  }

  type AllowanceCharge {
    amount: String
    percent: String
    reason: String
  }

  type DocumentAllowanceCharge {
    amount: String
    percent: String
    reason: String
    taxCategory: String!
    taxRate: String
  }

  type InvoiceLine {
    id: String!
    description: String
    quantity: String!
    unitPrice: String
    baseQuantity: String
    unitCode: String
    taxCategory: String!
    taxRate: String
    allowances: [AllowanceCharge!]!
    charges: [AllowanceCharge!]!
    netAmount: String
  }

  type InvoiceTotals {
    lineExtensionAmount: String!
    allowanceTotalAmount: String!
    chargeTotalAmount: String!
    taxExclusiveAmount: String!
    taxAmount: String!
    taxInclusiveAmount: String!
    prepaidAmount: String!
    payableRoundingAmount: String!
    payableAmount: String!
  }

  type TaxBreakdown {
    category: String!
    rate: String
    taxableAmount: String!
    taxAmount: String!
  }

  type InvoiceConnection {
    edges: [InvoiceEdge!]!
    pageInfo: PageInfo!
  }

  type InvoiceEdge {
    cursor: String!
    node: Invoice!
  }

  type PageInfo {
    hasNextPage: Boolean!
    endCursor: String
  }

  type Customer {
    id: ID!
    "The name on the customer's newest invoice."
    name: String!
    "What the customer owes per currency, from movements dated on or before asOf (all without it)."
    balance(asOf: Date): [CurrencyBalance!]!
    "The statement for from–to (inclusive): opening balance, movements with running balance, closing balance."
    statement(from: Date!, to: Date!): CustomerStatement!
    invoices(
      first: Int
      after: String
      status: InvoiceStatusFilter
      from: Date
      to: Date
      asOf: Date
    ): InvoiceConnection!
  }

  type CurrencyBalance {
    currency: String!
    balance: String!
  }

  type CustomerStatement {
    from: Date!
    to: Date!
    currencies: [CurrencyStatement!]!
  }

  type CurrencyStatement {
    currency: String!
    openingBalance: String!
    lines: [StatementLine!]!
    closingBalance: String!
  }

  type StatementLine {
    entryId: String!
    date: Date!
    "invoice, payment, refund (a payment against an imported credit note), credit_note, void or write_off."
    kind: String!
    invoiceId: ID!
    invoiceNumber: String
    documentNumber: String
    reference: String
    "Signed: positive charges and refunds, negative payments and credits."
    amount: String!
    balance: String!
  }

  type AgingBuckets {
    current: String!
    days1to30: String!
    days31to60: String!
    days61to90: String!
    over90: String!
    total: String!
  }

  type AgingCurrencyRow {
    currency: String!
    buckets: AgingBuckets!
  }

  type AgingCustomerRow {
    customerId: ID!
    customerName: String!
    currency: String!
    buckets: AgingBuckets!
  }

  type AgingInvoiceRow {
    invoiceId: ID!
    number: String
    customerId: ID!
    currency: String!
    dueDate: Date!
    daysPastDue: Int!
    bucket: String!
    amountDue: String!
  }

  type AgingReport {
    asOf: Date!
    currencies: [AgingCurrencyRow!]!
    customers: [AgingCustomerRow!]!
    invoices: [AgingInvoiceRow!]!
  }

  type TaxReportLine {
    currency: String!
    category: String!
    rate: String
    taxableAmount: String!
    taxAmount: String!
  }

  type TaxReportTotal {
    currency: String!
    taxableAmount: String!
    taxAmount: String!
  }

  type TaxReport {
    from: Date!
    to: Date!
    lines: [TaxReportLine!]!
    totals: [TaxReportTotal!]!
  }

  type RevenueRow {
    month: YearMonth!
    currency: String!
    "Invoiced in the month (payable incl. VAT, by issue month) less credit notes and voids of the month."
    approved: String!
    "Payments by the month they were paid."
    paid: String!
  }

  type InvoiceEvent {
    type: String!
    "The stream version of the event (1 for the first)."
    version: Int!
    position: String!
    eventId: String!
    occurredAt: DateTime!
    actor: String!
    commandId: String!
    correlationId: String!
    causationId: String!
    "The event's hash chain: SHA-256 of its canonical content including prevHash."
    hash: String!
    prevHash: String
    "The event's data in its stored (wire) form."
    data: JSON!
  }
`;
