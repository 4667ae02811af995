export * from './port.js';
export { toProviderInvoice } from './providerInvoice.js';
export type { ProviderInvoiceError } from './providerInvoice.js';
export { createTokenCache } from './tokenCache.js';
export type { AccessToken, TokenCache } from './tokenCache.js';
export { sendRequest, classifyFailure, parseRetryAfter, isSuccess, clip } from './http.js';
export type { HttpRequest, HttpResponse, ProviderHttpOptions } from './http.js';
