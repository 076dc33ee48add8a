/**
 * The organisation's catalogues (skills, languages, queues, roles, divisions) as one index: a name's id, the
 * closest name to a typo, the names two entities share, and the resolvers the planner takes. A deleted entity
 * cannot be assigned, so it is skipped here, once, for every use.
 */
import type { NamedEntity } from '../genesys/routing-types.js';
import type { RoutingKind } from '../input/index.js';
import { nearest } from '../suggest.js';

/** The catalogues a run read, by kind: what names resolve against (and what a run folder keeps). */
export type Catalogue = Partial<Record<RoutingKind, NamedEntity[]>>;

export type Lookup = { id: string } | { ambiguous: NamedEntity[] } | { unknown: true; suggestion?: string };

/**
 * Name → id, case-insensitive. The run layer checks every name resolves before planning, so an unresolved one in
 * the planner is a bug. `nameOf` gives the catalogue's spelling for diffs; without it (or when it does not know an
 * id) a diff names an item as the assignment or the row does, or by its id.
 */
export interface RoutingResolvers {
  id(kind: RoutingKind, name: string): string | undefined;
  nameOf?(kind: RoutingKind, id: string): string | undefined;
}

const key = (name: string) => name.trim().toLowerCase();

export class CatalogueIndex implements RoutingResolvers {
  private readonly byName = new Map<RoutingKind, Map<string, NamedEntity[]>>();
  private readonly byId = new Map<RoutingKind, Map<string, string>>();

  constructor(catalogue: Catalogue) {
    for (const [kind, entities] of Object.entries(catalogue) as [RoutingKind, NamedEntity[]][]) {
      const names = new Map<string, NamedEntity[]>();
      const ids = new Map<string, string>();
      for (const e of entities) {
        ids.set(e.id, e.name);
        if (e.state?.toLowerCase() === 'deleted') continue;
        const same = names.get(key(e.name)) ?? [];
        // Listed twice (a page boundary moved while reading) is still one entity.
        if (!same.some((x) => x.id === e.id)) names.set(key(e.name), [...same, e]);
      }
      this.byName.set(kind, names);
      this.byId.set(kind, ids);
    }
  }

  /** The entity a name means: its id, the entities that share it, or nothing (with the closest name, if close). */
  lookup(kind: RoutingKind, name: string): Lookup {
    const names = this.byName.get(kind) ?? new Map<string, NamedEntity[]>();
    const found = names.get(key(name)) ?? [];
    if (found.length === 1) return { id: found[0]!.id };
    if (found.length > 1) return { ambiguous: found };
    // On a tie, the name that sorts first.
    const candidates = [...names.values()]
      .map((e) => e[0]!)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const close = nearest(key(name), candidates, (e) => key(e.name));
    return close !== undefined ? { unknown: true, suggestion: close.item.name } : { unknown: true };
  }

  /** The id of the one entity of that name; nothing when none or several have it. */
  id(kind: RoutingKind, name: string): string | undefined {
    const found = this.byName.get(kind)?.get(key(name));
    return found?.length === 1 ? found[0]!.id : undefined;
  }

  /** Every id listed, deleted or not. */
  nameOf(kind: RoutingKind, id: string): string | undefined {
    return this.byId.get(kind)?.get(id);
  }
}

/** Resolvers over the platform's catalogues: see CatalogueIndex. */
export function catalogueResolvers(catalogue: Catalogue): RoutingResolvers {
  const index = new CatalogueIndex(catalogue);
  return { id: (kind, name) => index.id(kind, name), nameOf: (kind, id) => index.nameOf(kind, id) };
}
