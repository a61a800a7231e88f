import type { EventMetadata, NewEvent } from '../types';

/** Metadata for tests: actor `test`, a fixed correlation id, overridable. */
export function testMetadata(overrides: Partial<EventMetadata> = {}): EventMetadata {
  return { actor: 'test', correlationId: 'test-correlation', source: 'test', ...overrides };
}

/** A NewEvent with test metadata: `newEvent('PodsCreated', { count: 2 })`. */
export function newEvent<T extends object>(
  type: string,
  data: T,
  extra: Partial<Omit<NewEvent<T>, 'type' | 'data'>> = {},
): NewEvent {
  return { type, data, metadata: testMetadata(), ...extra } as NewEvent;
}
