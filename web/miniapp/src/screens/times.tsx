import { useLayoutEffect, useMemo, useState } from "preact/hooks";
import { joinWaitlist } from "../api";
import type { Ctx, Screen } from "../nav";
import { addMonths, Availability, today as deviceToday, type TimeOption } from "../availability";
import { errorText } from "../errors";
import { formatDay, formatDuration, formatPrice, formatTime, t } from "../i18n";
import { haptic } from "../telegram";
import { Header, MainButton } from "../ui/buttons";
import { Calendar, type DayState } from "../ui/calendar";
import { Banner, Data, Loading } from "../ui/kit";
import { groupDuration, groupPrice } from "./services";

type TimesScreen = Extract<Screen, { name: "times" }>;
type Waitlist = "idle" | "joining" | "joined";

const MONTHS_AHEAD = 6; // never more than the booking horizon in practice (90 days by default)

function period(time: string): "morning" | "afternoon" | "evening" {
  const hour = Number(time.slice(0, 2));
  return hour < 12 ? "morning" : hour < 17 ? "afternoon" : "evening";
}

/** A calendar of days with room and the free times of the chosen day. */
export function Times({ ctx, screen, onBack }: { ctx: Ctx; screen: TimesScreen; onBack?: () => void }) {
  const { pick, moving } = screen;
  const availability = useMemo(() => new Availability(pick, moving?.id), []);
  const today = deviceToday();
  const thisMonth = today.slice(0, 7);
  const [month, setMonth] = useState((screen.date ?? today).slice(0, 7));
  const [free, setFree] = useState<Record<string, Set<string>>>({});
  const [date, setDate] = useState<string | null>(screen.date ?? null);
  const [dayState, setDayState] = useState<DayState>("free");
  const [times, setTimes] = useState<TimeOption[] | null>(null);
  const [chosen, setChosen] = useState<TimeOption | null>(null);
  const [notice, setNotice] = useState(screen.notice ?? "");
  const [error, setError] = useState("");
  const [nothing, setNothing] = useState(false);
  const [waitlist, setWaitlist] = useState<Waitlist>("idle");

  const loadMonth = (target: string, reload = false) =>
    availability.days(target, reload).then((days) => {
      setFree((known) => ({ ...known, [target]: days }));
      return days;
    });

  // Layout effect: the requests leave as the screen is built, not a frame later.
  useLayoutEffect(() => {
    const fail = (reason: unknown) => {
      setError(errorText(reason));
      setTimes((shown) => shown ?? []);
    };
    if (screen.date) {
      // Back from a refused booking: that day's new times, and fresh days around it.
      const target = screen.date.slice(0, 7);
      Promise.all([
        loadMonth(target, true),
        loadMonth(addMonths(target, 1), true),
        availability.times(screen.date),
      ]).then(([, , found]) => {
        setTimes(found);
        if (!found.length) setDayState("full"); // the last time was taken: the waitlist
      }, fail);
      return;
    }
    // The first day with room and its times, and this month's and next month's days: at once.
    Promise.all([availability.first(), loadMonth(thisMonth), loadMonth(addMonths(thisMonth, 1))]).then(
      ([first]) => {
        if (!first) {
          setNothing(true);
          setTimes([]);
          return;
        }
        const target = first.date.slice(0, 7);
        if (target > addMonths(thisMonth, 1)) loadMonth(target).catch(fail);
        setMonth(target);
        setDate(first.date);
        setTimes(first.times);
      },
      fail,
    );
  }, []);

  const showMonth = (target: string) => {
    setMonth(target);
    loadMonth(target).catch((reason) => setError(errorText(reason)));
    loadMonth(addMonths(target, 1)).catch(() => undefined);
  };

  const pickDay = (day: string, state: DayState) => {
    haptic.select();
    setDate(day);
    setDayState(state);
    setChosen(null);
    setNotice("");
    setError("");
    setWaitlist("idle");
    if (state !== "free") {
      setTimes([]);
      return;
    }
    setTimes(null);
    availability.times(day).then(
      (found) => {
        setTimes(found);
        if (!found.length) setDayState("full");
      },
      (reason) => {
        setError(errorText(reason));
        setTimes([]);
      },
    );
  };

  const join = async () => {
    if (!date) return;
    setWaitlist("joining");
    const results = await Promise.allSettled(
      availability.offers.map((o) => joinWaitlist(o.service.id, o.specialist.id, date)),
    );
    const joined = results.some((r) => r.status === "fulfilled");
    const refused = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (joined) {
      haptic.success();
      setWaitlist("joined");
    } else {
      haptic.error();
      setWaitlist("idle");
      setError(errorText(refused?.reason));
    }
  };

  const known = Object.values(free).flatMap((days) => [...days]);
  const lastFree = known.reduce((latest, day) => (day > latest ? day : latest), today);
  const monthDays = free[month] ?? null;
  const canNext =
    month < addMonths(thisMonth, MONTHS_AHEAD) &&
    (month < lastFree.slice(0, 7) || (monthDays !== null && monthDays.size > 0));
  const offer = chosen?.offer ?? pick.offer;
  const groups = (["morning", "afternoon", "evening"] as const)
    .map((name) => ({ name, times: (times ?? []).filter((time) => period(time.start) === name) }))
    .filter((group) => group.times.length);

  return (
    <main class="screen" data-screen="times">
      <Header title={moving ? t("title_move") : t("title_times")} onBack={onBack} />
      <div class="summary-card">
        <div class="summary-service">
          <Data>{pick.group.name}</Data>
        </div>
        <div class="hint">
          {offer ? <Data>{offer.specialist.name}</Data> : t("any_specialist")}
          {" · "}
          {offer ? formatPrice(offer.service.price) : groupPrice(pick.group)}
          {" · "}
          {offer ? formatDuration(offer.service.duration) : groupDuration(pick.group)}
        </div>
      </div>
      {notice && <Banner kind="error">{notice}</Banner>}
      {error && <Banner kind="error">{error}</Banner>}
      {nothing && <Banner>{t("no_free_time")}</Banner>}
      <Calendar
        month={month}
        today={today}
        free={monthDays}
        working={availability.workingWeekdays()}
        lastFree={lastFree}
        selected={date}
        canPrev={month > thisMonth}
        canNext={canNext}
        onMonth={showMonth}
        onPick={pickDay}
      />
      {date && (
        <section class="times" aria-live="polite">
          <h2 class="section-title">{formatDay(date)}</h2>
          {times === null && <Loading />}
          {times !== null && times.length === 0 && dayState !== "free" && (
            <div class="waitlist">
              <p>{t("day_full_text")}</p>
              {waitlist === "joined" ? (
                <Banner kind="success">{t("waitlist_joined")}</Banner>
              ) : ctx.session.state === "ok" ? (
                <button
                  type="button"
                  class="plain-button"
                  data-testid="join-waitlist"
                  disabled={waitlist === "joining" || Boolean(moving)}
                  onClick={join}
                >
                  {t("waitlist_join")}
                </button>
              ) : (
                <p class="hint">{t("browser_notice")}</p>
              )}
            </div>
          )}
          {groups.map((group) => (
            <div class="time-group">
              <h3 class="time-group-title">{t(`period_${group.name}`)}</h3>
              <div class="time-grid">
                {group.times.map((time) => (
                  <button
                    type="button"
                    class={`time${chosen?.start === time.start ? " time-selected" : ""}`}
                    data-slot={time.start}
                    aria-pressed={chosen?.start === time.start}
                    onClick={() => {
                      haptic.select();
                      setChosen(time);
                    }}
                  >
                    {formatTime(time.start)}
                  </button>
                ))}
              </div>
            </div>
          ))}
        </section>
      )}
      {chosen && date && (
        <MainButton
          text={t(moving ? "next_move" : "next", { day: formatDay(date), time: formatTime(chosen.start) })}
          onClick={() => ctx.nav.go({ name: "confirm", pick, date, time: chosen, moving })}
        />
      )}
    </main>
  );
}
