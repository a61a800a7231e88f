import DataLoader from 'dataloader';
import type { GroupsRepository, GroupsRow, PodRow } from '../lws/groups/groups.repository';
import type { EventPage, EventPageArgs, LwsRepository, RevisionRow } from '../lws/lws.repository';
import type { RolloutRow, RolloutsRepository } from '../lws/rollouts/rollouts.repository';

/**
 * Per-request DataLoaders: each list of children (revisions, event pages) is fetched for all the
 * parents of a request in one statement, whatever their number.
 */
export interface Loaders {
  revisions: DataLoader<string, RevisionRow[]>;
  groups: DataLoader<string, GroupsRow | undefined>;
  pods: DataLoader<string, PodRow[]>;
  rollouts: DataLoader<string, RolloutRow[]>;
  eventPage(args: EventPageArgs): DataLoader<string, EventPage>;
}

export function createLoaders(
  repository: LwsRepository,
  groupsRepository: GroupsRepository,
  rolloutsRepository: RolloutsRepository,
): Loaders {
  const revisions = new DataLoader<string, RevisionRow[]>(async (uids) => {
    const rows = await repository.revisionsOf(uids);
    const byUid = new Map<string, RevisionRow[]>(uids.map((uid) => [uid, []]));
    for (const row of rows) byUid.get(row.lws_uid)?.push(row);
    return uids.map((uid) => byUid.get(uid) ?? []);
  });
  // One loader per distinct page arguments: a list of LWSs asking for the same page batches together.
  const eventLoaders = new Map<string, DataLoader<string, EventPage>>();
  const groups = new DataLoader<string, GroupsRow | undefined>(async (uids) => {
    const rows = new Map((await groupsRepository.groupsOf(uids)).map((row) => [row.lws_uid, row]));
    return uids.map((uid) => rows.get(uid));
  });
  const pods = new DataLoader<string, PodRow[]>(async (uids) => {
    const byUid = new Map<string, PodRow[]>(uids.map((uid) => [uid, []]));
    for (const row of await groupsRepository.podsOf(uids)) byUid.get(row.lws_uid)?.push(row);
    return uids.map((uid) => byUid.get(uid) ?? []);
  });
  const rollouts = new DataLoader<string, RolloutRow[]>(async (uids) => {
    const byUid = new Map<string, RolloutRow[]>(uids.map((uid) => [uid, []]));
    for (const row of await rolloutsRepository.rolloutsOf(uids)) byUid.get(row.lws_uid)?.push(row);
    return uids.map((uid) => byUid.get(uid) ?? []);
  });
  return {
    revisions,
    rollouts,
    groups,
    pods,
    eventPage(args) {
      const key = JSON.stringify([
        args.first ?? null,
        args.after ?? null,
        args.last ?? null,
        args.before ?? null,
      ]);
      let loader = eventLoaders.get(key);
      if (!loader) {
        loader = new DataLoader<string, EventPage>(async (streamIds) => {
          const pages = await repository.eventPages(streamIds, args);
          return streamIds.map((id) => pages.get(id)!);
        });
        eventLoaders.set(key, loader);
      }
      return loader;
    },
  };
}
