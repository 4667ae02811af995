/**
 * Small pure helpers shared by the projections: where an event belongs (tenant), which calendar day it happened
 * on, and its amounts in minor units.
 */
import type { CivilDate, CurrencyCode, DecimalString, Timestamp } from '@accrue/domain';
import { civilDateOf, frozenMinorUnits } from '@accrue/domain';

import type { ProjectedEvent } from '../model/projectedEvent.js';

/** The tenant an event belongs to: the command's, from its metadata (every stored event carries it). */
export const tenantOf = (event: ProjectedEvent): string => event.metadata.tenantId;

/** The calendar day of a timestamp as written, in its own offset (the domain's rule for issue dates). */
export const dayOf = (timestamp: Timestamp): CivilDate => civilDateOf(timestamp);

/** `YYYY-MM` of a date: months compare as text like the dates they come from. */
export const monthOf = (date: CivilDate): string => date.slice(0, 7);

/**
 * Minor units of an amount frozen in an event. The decider wrote it in the invoice's currency, so a mismatch
 * means the stored event was altered: `frozenMinorUnits` treats that as a bug, as the aggregate does.
 */
export const minorUnits = (amount: DecimalString, currency: CurrencyCode): bigint =>
  frozenMinorUnits(amount, currency);

/**
 * Whether an event of a stream was already applied to a view that remembers the last version it applied:
 * versions grow by one per event in a stream, so anything at or below it is a redelivery.
 */
export const alreadyApplied = (event: ProjectedEvent, appliedVersion: number): boolean =>
  event.streamVersion <= appliedVersion;
