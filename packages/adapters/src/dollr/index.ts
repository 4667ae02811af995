export { createDollrProvider } from './dollrProvider.js';
export {
  DollrConnectionConfig,
  DollrClientSecret,
  DOLLR_LIVE_URL,
  DOLLR_DEFAULT_CURRENCIES,
} from './config.js';
export type { DollrProviderConfig, DollrRuntimeOptions } from './config.js';
