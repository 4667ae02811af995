import { invoiceProviderContract } from '../providers/testing/contract.js';
import { dollrHarness } from './testing/dollrHarness.js';

// The connection lists EUR, JPY and KWD: EUR and JPY are carried exactly, KWD is refused for its third decimal.
invoiceProviderContract('dollr', () => dollrHarness());
