// An upgrade moves the controller's resources to the type versions this package serves
// (aps2.md §14.3): for each older minor version of a type's major, the resources still on it
// are read in pages of 1,000 (implementing(<old id>)) and each is given the new type id. Run
// again, it finds nothing left to move.
import type { ControllerClient } from '../../aps/controller-client.js';
import { isRecord } from '../../util/errors.js';

const PAGE = 1000;
const AT_ONCE = 8;

/** The ids of the same type with a lower minor version: …/contexts/1.2 → …/1.0 and …/1.1. */
export function olderTypeIds(typeId: string): string[] {
  const m = /^(.*)\/(\d+)\.(\d+)$/.exec(typeId);
  if (!m) return [];
  return Array.from({ length: Number(m[3]) }, (_, minor) => `${m[1]}/${m[2]}.${minor}`);
}

async function idsOnType(controller: ControllerClient, typeId: string): Promise<string[]> {
  const ids: string[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await controller.request<unknown>(
      'GET',
      `aps/2/resources?implementing(${typeId}),limit(${offset},${PAGE})`,
    );
    const items = Array.isArray(page) ? page : [];
    // A newer type may implement the older one: only resources still on the old id move.
    for (const r of items)
      if (isRecord(r) && isRecord(r.aps) && r.aps.type === typeId && typeof r.aps.id === 'string') ids.push(r.aps.id);
    if (items.length < PAGE) return ids;
  }
}

/** Moves the resources of older versions to `currentIds`; answers how many moved per new id. */
export async function moveToCurrentTypes(
  controller: ControllerClient,
  currentIds: string[],
): Promise<Record<string, number>> {
  const moved: Record<string, number> = {};
  for (const current of currentIds) {
    for (const old of olderTypeIds(current)) {
      const ids = await idsOnType(controller, old);
      for (let i = 0; i < ids.length; i += AT_ONCE) {
        await Promise.all(
          ids
            .slice(i, i + AT_ONCE)
            .map((id) =>
              controller.request('PUT', `aps/2/resources/${encodeURIComponent(id)}`, { aps: { type: current } }),
            ),
        );
      }
      if (ids.length) moved[current] = (moved[current] ?? 0) + ids.length;
    }
  }
  return moved;
}
