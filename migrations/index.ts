import { EventStore1764403200000 } from './1764403200000-event-store';
import { DesiredStateReadModels1764403300000 } from './1764403300000-desired-state-read-models';
import { ReconcileReadModels1764403400000 } from './1764403400000-reconcile-read-models';
import { EventsNotifyFromStore1764403350000 } from './1764403350000-events-notify-from-store';
import { Rollouts1764403500000 } from './1764403500000-rollouts';

/** Every migration, oldest first. Append new ones at the end; never edit or reorder. */
export const migrations = [
  EventStore1764403200000,
  DesiredStateReadModels1764403300000,
  EventsNotifyFromStore1764403350000,
  ReconcileReadModels1764403400000,
  Rollouts1764403500000,
];
