import { useEffect, useState } from "preact/hooks";
import {
  type Appointment,
  cancelAppointment,
  claimOffer,
  leaveWaitlist,
  myAppointments,
  myWaitlist,
  type WaitlistEntry,
} from "../api";
import type { Ctx } from "../nav";
import { today } from "../availability";
import { errorText } from "../errors";
import { formatDay, formatTime, inLang, t } from "../i18n";
import { confirmAction, haptic } from "../telegram";
import { Header } from "../ui/buttons";
import { Banner, Data, Loading, Section } from "../ui/kit";

interface Mine {
  appointments: Appointment[];
  waitlist: WaitlistEntry[];
}

/** The client's coming bookings (cancel, reschedule) and waitlist entries (claim, leave). */
export function Bookings({ ctx, notice: initial, onBack }: { ctx: Ctx; notice?: string; onBack?: () => void }) {
  const [mine, setMine] = useState<Mine | null>(null);
  const [error, setError] = useState("");
  const [notice, setNotice] = useState(initial ?? "");
  const [busy, setBusy] = useState<number | null>(null);

  const load = () =>
    Promise.all([myAppointments(today()), myWaitlist()]).then(
      ([appointments, waitlist]) =>
        setMine({
          appointments: appointments.filter((a) => a.status === "pending" || a.status === "confirmed"),
          waitlist: waitlist.filter((w) => (w.status === "active" || w.status === "offered") && w.date >= today()),
        }),
      (reason) => setError(errorText(reason)),
    );

  useEffect(() => {
    if (ctx.session.state === "ok") load();
  }, [ctx.session.state]);

  const act = async (id: number, action: () => Promise<unknown>, done: string) => {
    setBusy(id);
    setError("");
    setNotice("");
    try {
      await action();
      haptic.success();
      setNotice(done);
      await load();
    } catch (reason) {
      haptic.error();
      setError(errorText(reason));
    } finally {
      setBusy(null);
    }
  };

  const cancel = async (appointment: Appointment) => {
    const question = t("cancel_question", {
      day: formatDay(appointment.date),
      time: formatTime(appointment.start_time),
    });
    if (!(await confirmAction(question))) return;
    await act(appointment.id, () => cancelAppointment(appointment.id), t("cancelled"));
  };

  const move = (appointment: Appointment) => {
    const pick = ctx.catalogue.pickForService(appointment.service);
    if (!pick) {
      setError(t("err_service_inactive"));
      return;
    }
    ctx.nav.go({ name: "times", pick: { group: pick.group, offer: pick.offer }, moving: appointment });
  };

  const signedOut = ctx.session.state === "browser" || ctx.session.state === "failed";
  return (
    <main class="screen" data-screen="bookings">
      <Header title={t("my_bookings")} onBack={onBack} />
      {notice && <Banner kind="success">{notice}</Banner>}
      {error && <Banner kind="error">{error}</Banner>}
      {signedOut && <Banner>{t("browser_notice")}</Banner>}
      {!signedOut && !mine && !error && <Loading />}
      {mine && (
        <>
          <Section title={t("upcoming")}>
            {mine.appointments.length === 0 && <p class="empty">{t("no_bookings")}</p>}
            {mine.appointments.map((appointment) => (
              <article class="booking" data-appointment={appointment.id}>
                <div class="booking-when">
                  {formatDay(appointment.date)}, {formatTime(appointment.start_time)}–
                  {formatTime(appointment.end_time)}
                </div>
                <div class="booking-what">
                  <Data>{inLang(appointment.service_name, appointment.service_name_en)}</Data> ·{" "}
                  <Data>{appointment.specialist_name}</Data>
                </div>
                <div class={`status status-${appointment.status}`}>{t(`status_${appointment.status}`)}</div>
                <div class="booking-actions">
                  <button
                    type="button"
                    class="link-button"
                    data-action="reschedule"
                    disabled={busy !== null}
                    onClick={() => move(appointment)}
                  >
                    {t("reschedule")}
                  </button>
                  <button
                    type="button"
                    class="link-button destructive"
                    data-action="cancel"
                    disabled={busy !== null}
                    onClick={() => cancel(appointment)}
                  >
                    {t("cancel")}
                  </button>
                </div>
              </article>
            ))}
          </Section>
          {mine.waitlist.length > 0 && (
            <Section title={t("waitlist")}>
              {mine.waitlist.map((entry) => (
                <article class="booking" data-waitlist={entry.id}>
                  <div class="booking-when">{formatDay(entry.date)}</div>
                  <div class="booking-what">
                    <Data>{inLang(entry.service_name, entry.service_name_en)}</Data>
                    {entry.specialist_name && (
                      <>
                        {" · "}
                        <Data>{entry.specialist_name}</Data>
                      </>
                    )}
                  </div>
                  {entry.offer ? (
                    <div class="status status-offered">
                      {t("waitlist_offer", {
                        time: `${formatTime(entry.offer.start_time)}–${formatTime(entry.offer.end_time)}`,
                      })}
                    </div>
                  ) : (
                    <div class="status">{t("waitlist_waiting")}</div>
                  )}
                  <div class="booking-actions">
                    {entry.offer && (
                      <button
                        type="button"
                        class="link-button"
                        disabled={busy !== null}
                        onClick={() =>
                          act(entry.id, () => claimOffer(entry.offer!.token), t("done_booked"))
                        }
                      >
                        {t("waitlist_claim")}
                      </button>
                    )}
                    <button
                      type="button"
                      class="link-button destructive"
                      disabled={busy !== null}
                      onClick={() => act(entry.id, () => leaveWaitlist(entry.id), t("waitlist_left"))}
                    >
                      {t("waitlist_leave")}
                    </button>
                  </div>
                </article>
              ))}
            </Section>
          )}
        </>
      )}
    </main>
  );
}
