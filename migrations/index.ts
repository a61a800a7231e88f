import { EventStore1764403200000 } from './1764403200000-event-store';
import { DesiredStateReadModels1764403300000 } from './1764403300000-desired-state-read-models';

/** Every migration, oldest first. Append new ones at the end; never edit or reorder. */
export const migrations = [EventStore1764403200000, DesiredStateReadModels1764403300000];
