// The screens and the way between them: category → service → specialist → day and time →
// confirm; "my bookings" with cancel and reschedule. Telegram's BackButton walks back.
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Client } from "./api";
import { Catalogue } from "./catalogue";
import { errorText } from "./errors";
import { t } from "./i18n";
import { Bookings } from "./screens/bookings";
import { Confirm, Done } from "./screens/confirm";
import { Home } from "./screens/home";
import { Services } from "./screens/services";
import { Specialists } from "./screens/specialists";
import { Times } from "./screens/times";
import { startParam } from "./telegram";
import { Banner, Loading } from "./ui/kit";
import type { Ctx, Nav, Screen, Session } from "./nav";

/** The screens a `startapp` link opens: `service-<id>` (that specialist's service),
 * `service-<id>-any` (that service with any specialist), `specialist-<id>` or `bookings`. */
export function linkedScreens(catalogue: Catalogue, param: string): Screen[] {
  const home: Screen = { name: "home" };
  const service = /^service-(\d+)(-any)?$/.exec(param);
  if (service) {
    const found = catalogue.pickForService(Number(service[1]));
    const pick = found && service[2] ? { group: found.group, offer: null } : found;
    if (pick) {
      const via: Screen[] =
        pick.group.offers.length > 1 ? [{ name: "specialists", group: pick.group }] : [];
      return [home, ...via, { name: "times", pick }];
    }
  }
  const specialist = /^specialist-(\d+)$/.exec(param);
  if (specialist && catalogue.specialists.has(Number(specialist[1]))) {
    return [home, { name: "services", specialist: Number(specialist[1]) }];
  }
  if (param === "bookings") return [home, { name: "bookings" }];
  return [home];
}

function linkedCity(catalogue: Catalogue, screens: Screen[]): string | null {
  for (const screen of screens) {
    if (screen.name === "times") return screen.pick.group.city;
    if (screen.name === "services" && screen.specialist !== undefined) {
      return catalogue.specialists.get(screen.specialist)?.city ?? null;
    }
  }
  return null;
}

const CITY_KEY = "booking.city";

/** localStorage, which a webview may refuse: then the choice lasts while the page is open. */
function stored(key: string): string {
  try {
    return localStorage.getItem(key) ?? "";
  } catch {
    return "";
  }
}

function store(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // not remembered
  }
}

interface AppProps {
  loadCatalogue: () => Promise<Catalogue>;
  /** Signs in with initData (null outside Telegram). Called right after the first screen has
   * sent its own requests, so that all leave together: one round trip, not two. */
  signIn: (() => Promise<Client>) | null;
}

export function App({ loadCatalogue, signIn }: AppProps) {
  const [catalogue, setCatalogue] = useState<Catalogue | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [stack, setStack] = useState<Screen[]>([{ name: "home" }]);
  const [city, setCityState] = useState("");
  const [session, setSession] = useState<Session>(
    signIn ? { state: "pending" } : { state: "browser" },
  );
  const signingIn = useRef(false);

  const startSession = () => {
    if (!signIn || signingIn.current) return;
    signingIn.current = true;
    signIn().then(
      (client) => setSession({ state: "ok", client }),
      (error) => setSession({ state: "failed", message: errorText(error) }),
    );
  };

  const load = () => {
    setFailure(null);
    loadCatalogue().then(
      (found) => {
        const screens = linkedScreens(found, startParam());
        const cities = found.cities();
        const remembered = stored(CITY_KEY);
        setCityState(
          linkedCity(found, screens) ?? (cities.includes(remembered) ? remembered : cities[0] ?? ""),
        );
        setStack(screens);
        setCatalogue(found);
      },
      (error) => setFailure(errorText(error)),
    );
  };

  useLayoutEffect(load, []);
  // After the first screen's own layout effects have sent its requests (children's effects
  // run first): the sign-in goes out in the same round, never ahead of it.
  useLayoutEffect(() => {
    if (catalogue || failure) startSession();
  }, [catalogue, failure]);

  if (failure) {
    return (
      <main class="screen">
        <Banner kind="error">{failure}</Banner>
        <button class="plain-button" type="button" onClick={load}>
          {t("retry")}
        </button>
      </main>
    );
  }
  if (!catalogue) return <Loading />;

  const nav: Nav = {
    go: (screen) => {
      setStack((current) => [...current, screen]);
      scrollTo(0, 0);
    },
    back: () => setStack((current) => (current.length > 1 ? current.slice(0, -1) : current)),
    replace: (drop, ...screens) =>
      setStack((current) => [...current.slice(0, Math.max(1, current.length - drop)), ...screens]),
  };
  const ctx: Ctx = {
    catalogue,
    session,
    city,
    setCity: (value) => {
      store(CITY_KEY, value);
      setCityState(value);
    },
    nav,
  };
  const screen = stack[stack.length - 1];
  const onBack = stack.length > 1 ? nav.back : undefined;
  // Keyed by depth: going back shows the screen afresh (free times are reloaded).
  const key = `${stack.length}-${screen.name}`;
  switch (screen.name) {
    case "home":
      return <Home key={key} ctx={ctx} />;
    case "services":
      return <Services key={key} ctx={ctx} screen={screen} onBack={onBack} />;
    case "specialists":
      return <Specialists key={key} ctx={ctx} group={screen.group} onBack={onBack} />;
    case "times":
      return <Times key={`${key}-${screen.version ?? 0}`} ctx={ctx} screen={screen} onBack={onBack} />;
    case "confirm":
      return <Confirm key={key} ctx={ctx} screen={screen} onBack={onBack} />;
    case "done":
      return <Done key={key} ctx={ctx} screen={screen} />;
    case "bookings":
      return <Bookings key={key} ctx={ctx} notice={screen.notice} onBack={onBack} />;
  }
}
