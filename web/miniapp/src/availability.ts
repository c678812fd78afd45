// Free time of a pick (one specialist's service, or any specialist of a group), loaded without
// request waterfalls: every call a screen needs goes out at once.
import { availableDays, availableSlots, nearestSlots, type NearestSlot, type Slot } from "./api";
import type { Offer, Pick } from "./catalogue";
import { isoDay, parseDay } from "./i18n";

export interface TimeOption {
  start: string; // HH:MM
  end: string;
  offer: Offer;
}

export interface FirstDay {
  date: string;
  times: TimeOption[];
}

/** How many of the earliest slots one request asks for: a whole working day on a 30-minute
 * grid is fewer (the answer is checked for being cut short). */
const NEAREST_LIMIT = 50;
const SEARCH_DAYS = 62; // the API's longest nearest-slot search

export function addDays(iso: string, days: number): string {
  const date = parseDay(iso);
  date.setUTCDate(date.getUTCDate() + days);
  return isoDay(date);
}

export function addMonths(month: string, months: number): string {
  const date = parseDay(`${month}-01`);
  date.setUTCMonth(date.getUTCMonth() + months);
  return isoDay(date).slice(0, 7);
}

/** The device's date (the API decides what is bookable; this only places the calendar). */
export function today(): string {
  const now = new Date();
  return isoDay(new Date(Date.UTC(now.getFullYear(), now.getMonth(), now.getDate())));
}

/** The earliest slot of each start time; several specialists free at once: the cheapest. */
function merge(lists: Array<[Offer, Slot[]]>): TimeOption[] {
  const byStart = new Map<string, TimeOption>();
  for (const [offer, slots] of lists) {
    for (const slot of slots) {
      const known = byStart.get(slot.start_time);
      if (!known || Number(offer.service.price) < Number(known.offer.service.price)) {
        byStart.set(slot.start_time, { start: slot.start_time, end: slot.end_time, offer });
      }
    }
  }
  return [...byStart.values()].sort((a, b) => a.start.localeCompare(b.start));
}

export class Availability {
  readonly offers: Offer[];
  private months = new Map<string, Promise<Set<string>>>();

  constructor(
    readonly pick: Pick,
    readonly moving?: number, // the appointment being rescheduled: its own time does not block
  ) {
    this.offers = pick.offer ? [pick.offer] : pick.group.offers;
  }

  /** Weekdays (0 = Monday) someone of the pick works: a working day without room is "full". */
  workingWeekdays(): Set<number> {
    return new Set(this.offers.flatMap((o) => o.specialist.schedules.map((s) => s.day_of_week)));
  }

  /** Days of `month` (YYYY-MM) with room: one request per specialist, all at once. */
  days(month: string, reload = false): Promise<Set<string>> {
    let found = this.months.get(month);
    if (!found || reload) {
      found = Promise.all(
        this.offers.map((o) => availableDays(o.specialist.id, o.service.id, month)),
      ).then((lists) => new Set(lists.flat()));
      found.catch(() => this.months.delete(month));
      this.months.set(month, found);
    }
    return found;
  }

  /** Free times on a day: one request per specialist, all at once, merged. */
  async times(date: string): Promise<TimeOption[]> {
    const lists = await Promise.all(
      this.offers.map(
        async (o): Promise<[Offer, Slot[]]> => [
          o,
          await availableSlots(o.specialist.id, o.service.id, date, this.moving),
        ],
      ),
    );
    return merge(lists);
  }

  /** The first day with room and its times, in one request (the nearest-slot search). */
  async first(): Promise<FirstDay | null> {
    const head = this.offers[0];
    const found = await nearestSlots(
      head.service.id,
      this.pick.offer ? head.specialist.id : null,
      addDays(today(), SEARCH_DAYS),
      NEAREST_LIMIT,
      this.pick.offer ? null : this.pick.group.city,
    );
    const mine = found.filter((slot) => this.offerOf(slot));
    if (!mine.length) return null;
    const date = mine[0].date;
    const cutShort = found.length >= NEAREST_LIMIT && found.every((slot) => slot.date === date);
    if (cutShort || this.moving) return { date, times: await this.times(date) };
    const lists = this.offers.map((o): [Offer, Slot[]] => [
      o,
      mine.filter((slot) => slot.date === date && slot.service === o.service.id),
    ]);
    return { date, times: merge(lists) };
  }

  private offerOf(slot: NearestSlot): Offer | undefined {
    return this.offers.find((o) => o.service.id === slot.service);
  }
}
