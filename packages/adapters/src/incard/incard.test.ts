import { invoiceProviderContract } from '../providers/testing/contract.js';
import { incardHarness } from './testing/incardHarness.js';

// The deposit account is in EUR: JPY and KWD invoices must be refused (`unsupported_currency`). The JPY and
// KWD mappings are checked against accounts in those currencies in incardMapping.test.ts.
invoiceProviderContract('incard', () => incardHarness());
