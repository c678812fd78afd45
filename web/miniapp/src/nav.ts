// The app's screens and what every screen receives (its own module, so the screens and the
// app that routes between them do not import each other).
import type { Appointment, Client } from "./api";
import type { TimeOption } from "./availability";
import type { Catalogue, Pick, ServiceGroup } from "./catalogue";

export type Screen =
  | { name: "home" }
  | { name: "services"; category?: number | null; specialist?: number }
  | { name: "specialists"; group: ServiceGroup }
  | { name: "times"; pick: Pick; moving?: Appointment; date?: string; notice?: string; version?: number }
  | { name: "confirm"; pick: Pick; date: string; time: TimeOption; moving?: Appointment }
  | { name: "done"; appointment: Appointment; moved: boolean }
  | { name: "bookings"; notice?: string };

export type Session =
  | { state: "browser" } // no Telegram: browsing only
  | { state: "pending" }
  | { state: "ok"; client: Client }
  | { state: "failed"; message: string };

export interface Nav {
  go(screen: Screen): void;
  back(): void;
  /** Replace the screens from the top `drop` on with `screens`. */
  replace(drop: number, ...screens: Screen[]): void;
}

export interface Ctx {
  catalogue: Catalogue;
  session: Session;
  city: string;
  setCity(city: string): void;
  nav: Nav;
}
