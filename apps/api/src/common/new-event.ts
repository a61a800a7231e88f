import type { EventMetadata, NewEvent } from '../../../../libs/events/src';

/** A new event for the store; the one place where typed event data meets the store's untyped payload. */
export function newEvent(type: string, data: object, metadata: EventMetadata): NewEvent {
  return { type, data: data as Record<string, unknown>, metadata };
}
