import type { ComponentChildren } from "preact";
import { useMemo, useState } from "preact/hooks";
import { book, idempotencyKey, reschedule } from "../api";
import type { Ctx, Screen } from "../nav";
import { errorText, isTaken } from "../errors";
import { formatDay, formatDuration, formatPrice, formatTime, inLang, t } from "../i18n";
import { haptic } from "../telegram";
import { Header, MainButton } from "../ui/buttons";
import { Banner, Data } from "../ui/kit";

type ConfirmScreen = Extract<Screen, { name: "confirm" }>;
type DoneScreen = Extract<Screen, { name: "done" }>;

function Line({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="line">
      <span class="line-label">{label}</span>
      <span class="line-value">{children}</span>
    </div>
  );
}

/** The booking (or the move) as it will be made; the MainButton makes it. */
export function Confirm({ ctx, screen, onBack }: { ctx: Ctx; screen: ConfirmScreen; onBack?: () => void }) {
  const { pick, date, time, moving } = screen;
  const { service, specialist } = time.offer;
  // One key per confirmation: a retry after a lost answer books once.
  const key = useMemo(idempotencyKey, []);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState("");
  const session = ctx.session;

  const submit = async () => {
    setBusy(true);
    setError("");
    try {
      const appointment = moving
        ? await reschedule(moving.id, date, time.start)
        : await book(
            {
              service: service.id,
              specialist: specialist.id,
              date,
              start_time: time.start,
              end_time: time.end,
            },
            key,
          );
      haptic.success();
      ctx.nav.replace(Infinity, { name: "done", appointment, moved: Boolean(moving) });
    } catch (reason) {
      haptic.error();
      setBusy(false);
      if (isTaken(reason)) {
        // Someone was faster: back to that day, with its new free times.
        ctx.nav.replace(2, {
          name: "times",
          pick,
          moving,
          date,
          notice: errorText(reason),
          version: Date.now(),
        });
        return;
      }
      setError(errorText(reason));
    }
  };

  return (
    <main class="screen" data-screen="confirm">
      <Header title={moving ? t("title_confirm_move") : t("title_confirm")} onBack={onBack} />
      <div class="summary">
        <Line label={t("label_service")}>
          <Data>{inLang(service.name, service.name_en)}</Data>
        </Line>
        <Line label={t("label_specialist")}>
          <Data>{specialist.name}</Data>
        </Line>
        {moving && (
          <Line label={t("label_was")}>
            {formatDay(moving.date)}, {formatTime(moving.start_time)}
          </Line>
        )}
        <Line label={t("label_when")}>
          <b data-testid="confirm-when">
            {formatDay(date)}, {formatTime(time.start)}–{formatTime(time.end)}
          </b>
        </Line>
        <Line label={t("label_duration")}>{formatDuration(service.duration)}</Line>
        <Line label={t("label_price")}>{formatPrice(service.price)}</Line>
      </div>
      {error && <Banner kind="error">{error}</Banner>}
      {session.state === "browser" && <Banner>{t("browser_notice")}</Banner>}
      {session.state === "failed" && (
        <Banner kind="error">
          {t("signin_failed")} {session.message}
        </Banner>
      )}
      <MainButton
        text={moving ? t("button_move") : t("button_book")}
        disabled={session.state === "browser" || session.state === "failed"}
        progress={busy || session.state === "pending"}
        onClick={submit}
      />
    </main>
  );
}

export function Done({ ctx, screen }: { ctx: Ctx; screen: DoneScreen }) {
  const { appointment, moved } = screen;
  return (
    <main class="screen screen-done" data-screen="done">
      <div class="done-mark" aria-hidden="true" />
      <h1 class="done-title">{moved ? t("done_moved") : t("done_booked")}</h1>
      <p class="done-when">
        {formatDay(appointment.date)}, {formatTime(appointment.start_time)}–{formatTime(appointment.end_time)}
      </p>
      <p class="hint">
        <Data>{inLang(appointment.service_name, appointment.service_name_en)}</Data> ·{" "}
        <Data>{appointment.specialist_name}</Data>
      </p>
      <p class="hint">{t("done_hint")}</p>
      <button type="button" class="plain-button" onClick={() => ctx.nav.replace(Infinity)}>
        {t("book_more")}
      </button>
      <MainButton
        text={t("my_bookings")}
        onClick={() => ctx.nav.replace(Infinity, { name: "bookings" })}
      />
    </main>
  );
}
