// The catalogue as a client chooses from it: a service is offered by one specialist, so the
// services of one name in a city form a group ("Маникюр" with Anna and with Olga).
import type { Category, Service, Specialist } from "./api";
import { inLang } from "./i18n";

export interface Offer {
  service: Service;
  specialist: Specialist;
}

export interface ServiceGroup {
  key: string;
  name: string;
  description: string;
  category: number | null;
  city: string;
  offers: Offer[];
}

/** What the times screen shows: one offer, or any specialist of the group (offer null). */
export interface Pick {
  group: ServiceGroup;
  offer: Offer | null;
}

export function groupKey(city: string, name: string): string {
  return `${city.toLowerCase()}|${name.trim().toLowerCase()}`;
}

export class Catalogue {
  readonly specialists = new Map<number, Specialist>();
  readonly groups: ServiceGroup[] = [];

  constructor(
    readonly categories: Category[],
    services: Service[],
    specialists: Specialist[],
  ) {
    for (const person of specialists) this.specialists.set(person.id, person);
    const byKey = new Map<string, ServiceGroup>();
    for (const service of services) {
      const specialist = this.specialists.get(service.specialist);
      if (!specialist) continue; // an inactive specialist's service
      const key = groupKey(specialist.city, service.name);
      let group = byKey.get(key);
      if (!group) {
        group = {
          key,
          name: inLang(service.name, service.name_en),
          description: inLang(service.description, service.description_en),
          category: service.category,
          city: specialist.city,
          offers: [],
        };
        byKey.set(key, group);
        this.groups.push(group);
      }
      if (group.name === service.name) group.name = inLang(service.name, service.name_en);
      group.description ||= inLang(service.description, service.description_en);
      group.offers.push({ service, specialist });
    }
    for (const group of this.groups) {
      group.offers.sort((a, b) => Number(a.service.price) - Number(b.service.price));
    }
  }

  /** A city as this user reads it (the specialists' `city_en` for English). */
  cityName(city: string): string {
    for (const person of this.specialists.values()) {
      if (person.city === city) return inLang(city, person.city_en);
    }
    return city;
  }

  /** Cities with something to book, most offers first. */
  cities(): string[] {
    const counts = new Map<string, number>();
    for (const group of this.groups) counts.set(group.city, (counts.get(group.city) ?? 0) + 1);
    return [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || a.localeCompare(b));
  }

  /** Categories with services in this city; `null` stands for services without a category. */
  categoriesIn(city: string): Array<Category | null> {
    const used = new Set(this.groups.filter((g) => g.city === city).map((g) => g.category));
    const found: Array<Category | null> = this.categories.filter((c) => used.has(c.id));
    if (used.has(null)) found.push(null);
    return found;
  }

  groupsIn(city: string, category: number | null | undefined): ServiceGroup[] {
    return this.groups.filter(
      (g) => g.city === city && (category === undefined || g.category === category),
    );
  }

  offersOf(specialist: number): ServiceGroup[] {
    return this.groups.filter((g) => g.offers.some((o) => o.specialist.id === specialist));
  }

  /** The group and offer of one service id (a `service-<id>` link). */
  pickForService(serviceId: number): Pick | null {
    for (const group of this.groups) {
      const offer = group.offers.find((o) => o.service.id === serviceId);
      if (offer) return { group, offer };
    }
    return null;
  }

  pickFor(group: ServiceGroup, specialist: number): Pick {
    return { group, offer: group.offers.find((o) => o.specialist.id === specialist) ?? null };
  }
}

/** Prices of a group: "1 500 ₽" or a range. */
export function priceRange(group: ServiceGroup): [number, number] {
  const prices = group.offers.map((o) => Number(o.service.price));
  return [Math.min(...prices), Math.max(...prices)];
}

export function durationRange(group: ServiceGroup): [number, number] {
  const minutes = group.offers.map((o) => o.service.duration);
  return [Math.min(...minutes), Math.max(...minutes)];
}
