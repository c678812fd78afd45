// The API's error texts (the contract's, in Russian; DRF's and sign-in's, in English) shown in
// the user's language: each known text has a key in the catalogues, whose Russian text is the
// API's own. An unknown text is shown as is to a Russian reader, and as a general message to an
// English one (who never reads Russian interface text).
import { ApiError, NetworkError } from "./api";
import { lang, t, type Key } from "./i18n";

const KNOWN: Array<[RegExp, Key]> = [
  [/^Выбранное время уже занято\.$/, "err_taken"],
  [/^Специалист не работает в (выбранный день|этот день недели)\.?$/, "err_not_working"],
  [/^Время записи не соответствует графику работы специалиста\.$/, "err_outside_hours"],
  [/^Нельзя записаться на прошедшее время\.$/, "err_in_past"],
  [/^Запись возможна не более чем на (?<days>\d+) дн\. вперёд\.$/, "err_beyond_horizon"],
  [/^Выбранное время попадает на перерыв специалиста\.$/, "err_on_break"],
  [/^Специалист не принимает в выбранное время\.$/, "err_time_off"],
  [/^Отменить запись можно не позднее чем за (?<minutes>\d+) мин\. до начала\.$/, "err_cancel_cutoff"],
  [/^Перенести запись можно не позднее чем за (?<minutes>\d+) мин\. до начала\.$/, "err_move_cutoff"],
  [/^Перенести можно только активную запись\.$/, "err_move_inactive"],
  [/^Нельзя отменить запись, которая/, "err_cancel_inactive"],
  [/^Вы уже в листе ожидания на этот день\.$/, "err_already_waiting"],
  [/^Предложение не найдено или уже недействительно\.$/, "err_offer_gone"],
  [/^Время на ответ истекло/, "err_offer_expired"],
  [/^Нельзя встать в лист ожидания на прошедший день\.$/, "err_waitlist_past"],
  [/^Эта услуга сейчас недоступна\.$/, "err_service_inactive"],
  [/^Invalid Telegram signature\.$/, "err_auth_invalid"],
  [/^Telegram authorization has expired\.$/, "err_auth_expired"],
  [/^Telegram sign-in is not configured/, "err_auth_unavailable"],
  [/^Request was throttled\. Expected available in (?<seconds>\d+) seconds?\.$/, "err_throttled"],
];

const CYRILLIC = /[\u0400-\u04FF]/;

export function errorText(error: unknown): string {
  if (error instanceof NetworkError) return t("err_network");
  if (!(error instanceof ApiError)) return t("err_general");
  for (const [pattern, key] of KNOWN) {
    const match = pattern.exec(error.message);
    if (match) return t(key, match.groups ?? {});
  }
  if (error.status === 401) return t("err_session");
  if (lang === "ru" && CYRILLIC.test(error.message)) return error.message;
  return t("err_general");
}

export function isTaken(error: unknown): boolean {
  return error instanceof ApiError && /^Выбранное время уже занято\.$/.test(error.message);
}
