// A month of days: days with room can be chosen; a working day without room is "full" (the
// waitlist); past days and days off are greyed.
import { addMonths } from "../availability";
import { formatDay, formatMonth, isoDay, parseDay, t, weekdays } from "../i18n";
import { haptic } from "../telegram";

export type DayState = "free" | "full" | "off" | "past";

interface CalendarProps {
  month: string; // YYYY-MM
  today: string;
  free: Set<string> | null; // null while loading
  working: Set<number>;
  lastFree: string; // the latest day known to have room: "full" is only said before it
  selected: string | null;
  canPrev: boolean;
  canNext: boolean;
  onMonth: (month: string) => void;
  onPick: (date: string, state: DayState) => void;
}

export function dayState(
  date: string,
  today: string,
  free: Set<string>,
  working: Set<number>,
  lastFree: string,
): DayState {
  if (date < today) return "past";
  if (free.has(date)) return "free";
  const weekday = (parseDay(date).getUTCDay() + 6) % 7; // 0 = Monday
  // Today without room may simply be over: only later working days are called full.
  if (date > today && working.has(weekday) && date <= lastFree) return "full";
  return "off";
}

export function Calendar(props: CalendarProps) {
  const { month, today, free, working, lastFree, selected } = props;
  const first = parseDay(`${month}-01`);
  const offset = (first.getUTCDay() + 6) % 7;
  const length = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
  const cells = [];
  for (let i = 0; i < offset; i++) cells.push(<span class="day day-blank" />);
  for (let n = 1; n <= length; n++) {
    const date = isoDay(new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), n)));
    const state = free ? dayState(date, today, free, working, lastFree) : "off";
    const chosen = date === selected;
    cells.push(
      <button
        type="button"
        class={`day day-${state}${chosen ? " day-selected" : ""}${date === today ? " day-today" : ""}`}
        data-date={date}
        data-state={state}
        disabled={state === "past" || state === "off"}
        aria-pressed={chosen}
        aria-label={state === "full" ? `${formatDay(date)}: ${t("day_full")}` : formatDay(date)}
        onClick={() => props.onPick(date, state)}
      >
        {n}
      </button>,
    );
  }
  return (
    <div class={`calendar${free ? "" : " calendar-loading"}`}>
      <div class="calendar-head">
        <button
          type="button"
          class="month-nav"
          aria-label={t("month_prev")}
          disabled={!props.canPrev}
          onClick={() => {
            haptic.select();
            props.onMonth(addMonths(month, -1));
          }}
        >
          ‹
        </button>
        <span class="month-title" data-month={month}>
          {formatMonth(month)}
        </span>
        <button
          type="button"
          class="month-nav"
          aria-label={t("month_next")}
          disabled={!props.canNext}
          onClick={() => {
            haptic.select();
            props.onMonth(addMonths(month, 1));
          }}
        >
          ›
        </button>
      </div>
      <div class="weekdays">
        {weekdays.map((name) => (
          <span>{name}</span>
        ))}
      </div>
      <div class="days">{cells}</div>
      <div class="legend">
        <span class="legend-free">{t("legend_free")}</span>
        <span class="legend-full">{t("legend_full")}</span>
      </div>
    </div>
  );
}
